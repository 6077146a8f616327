/**
 * Inline SVG charts for the HTML report, drawn here so the report needs no script, no
 * font and no network: a histogram of a latency distribution and a scatter of a value
 * over the run's time. Every text that reaches the markup is escaped.
 */

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 28, right: 16, bottom: 40, left: 56 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
const HISTOGRAM_BINS = 40;
/** Scatter plots draw at most this many points, evenly thinned, to keep files small. */
const SCATTER_POINT_LIMIT = 5_000;

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function number(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function frame(title: string, body: string, xLabel: string, yLabel: string): string {
  const bottom = MARGIN.top + PLOT_HEIGHT;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + PLOT_WIDTH}" y2="${bottom}" class="axis"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" class="axis"/>`,
    `<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle" class="label">${escapeHtml(xLabel)}</text>`,
    `<text x="14" y="${MARGIN.top + PLOT_HEIGHT / 2}" text-anchor="middle" class="label" transform="rotate(-90 14 ${MARGIN.top + PLOT_HEIGHT / 2})">${escapeHtml(yLabel)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}

function axisTicks(
  minimum: number,
  maximum: number,
  axis: 'x' | 'y',
  format: (value: number) => string = number,
): string {
  const bottom = MARGIN.top + PLOT_HEIGHT;
  const ticks: string[] = [];
  for (let step = 0; step <= 4; step += 1) {
    const value = minimum + ((maximum - minimum) * step) / 4;
    if (axis === 'x') {
      const x = MARGIN.left + (PLOT_WIDTH * step) / 4;
      ticks.push(
        `<text x="${x}" y="${bottom + 16}" text-anchor="middle" class="tick">${format(value)}</text>`,
      );
    } else {
      const y = bottom - (PLOT_HEIGHT * step) / 4;
      ticks.push(
        `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" class="tick">${format(value)}</text>`,
      );
    }
  }
  return ticks.join('\n');
}

function emptyChart(title: string, xLabel: string, yLabel: string): string {
  const note = `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="label">no samples</text>`;
  return frame(title, note, xLabel, yLabel);
}

/** Counts of samples in equal-width bins between the smallest and the largest sample. */
export function histogramBins(
  samples: ArrayLike<number>,
  binCount: number,
): { minimum: number; maximum: number; counts: number[] } {
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < samples.length; index += 1) {
    const value = samples[index] as number;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  const counts = new Array<number>(binCount).fill(0);
  // Equal samples still get a visible bar: widen an empty range to one unit.
  const width = maximum > minimum ? (maximum - minimum) / binCount : 1 / binCount;
  for (let index = 0; index < samples.length; index += 1) {
    const bin = Math.min(Math.floor(((samples[index] as number) - minimum) / width), binCount - 1);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { minimum, maximum: minimum + width * binCount, counts };
}

export function histogramSvg(title: string, samples: ArrayLike<number>, unit: string): string {
  const xLabel = `${title} (${unit})`;
  if (samples.length === 0) return emptyChart(title, xLabel, 'requests');
  const { minimum, maximum, counts } = histogramBins(samples, HISTOGRAM_BINS);
  const highest = Math.max(...counts);
  const barWidth = PLOT_WIDTH / counts.length;
  const bottom = MARGIN.top + PLOT_HEIGHT;
  const bars = counts
    .map((count, bin) => {
      if (count === 0) return '';
      const height = (count / highest) * PLOT_HEIGHT;
      const x = MARGIN.left + bin * barWidth;
      const from = minimum + ((maximum - minimum) * bin) / counts.length;
      return `<rect x="${x.toFixed(1)}" y="${(bottom - height).toFixed(1)}" width="${Math.max(barWidth - 1, 1).toFixed(1)}" height="${height.toFixed(1)}" class="bar"><title>${number(from)} ${escapeHtml(unit)}: ${count}</title></rect>`;
    })
    .join('\n');
  return frame(
    title,
    `${bars}\n${axisTicks(minimum, maximum, 'x')}\n${axisTicks(0, highest, 'y', (count) => String(Math.round(count)))}`,
    xLabel,
    'samples',
  );
}

export interface ScatterPoint {
  x: number;
  y: number;
  failed: boolean;
}

export function scatterSvg(
  title: string,
  points: readonly ScatterPoint[],
  xLabel: string,
  yLabel: string,
): string {
  if (points.length === 0) return emptyChart(title, xLabel, yLabel);
  const stride = Math.ceil(points.length / SCATTER_POINT_LIMIT);
  const shown = points.filter((_, index) => index % stride === 0);
  const maximumX = Math.max(...shown.map((point) => point.x), 1e-9);
  const maximumY = Math.max(...shown.map((point) => point.y), 1e-9);
  const bottom = MARGIN.top + PLOT_HEIGHT;
  const marks = shown
    .map((point) => {
      const x = MARGIN.left + (point.x / maximumX) * PLOT_WIDTH;
      // Failed requests have no time to first token; they sit on the axis in red.
      const y = point.failed ? bottom : bottom - (point.y / maximumY) * PLOT_HEIGHT;
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" class="${point.failed ? 'failed' : 'point'}"/>`;
    })
    .join('\n');
  return frame(
    title,
    `${marks}\n${axisTicks(0, maximumX, 'x')}\n${axisTicks(0, maximumY, 'y')}`,
    xLabel,
    yLabel,
  );
}
