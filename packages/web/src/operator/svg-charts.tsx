/**
 * Small inline SVG charts for the dashboard (no chart library): a line chart of a few
 * series over the polling window, and a horizontal bar chart of counts.
 */
const WIDTH = 320;
const HEIGHT = 120;
const PAD = 24;

export interface Series {
  name: string;
  values: ReadonlyArray<number | null>;
  className: string;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toString();
  if (value >= 100) return Math.round(value).toString();
  return value.toFixed(value >= 10 ? 1 : 2);
}

export function LineChart(props: { title: string; unit: string; series: readonly Series[] }) {
  const all = props.series.flatMap((series) =>
    series.values.filter((value): value is number => value !== null),
  );
  const max = Math.max(1e-9, ...all);
  const length = Math.max(2, ...props.series.map((series) => series.values.length));
  const x = (index: number) => PAD + (index / (length - 1)) * (WIDTH - 2 * PAD);
  const y = (value: number) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  return (
    <figure className="chart" data-chart={props.title}>
      <figcaption>
        {props.title} <span className="unit">({props.unit})</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        <line className="axis" x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} />
        <line className="axis" x1={PAD} y1={PAD} x2={PAD} y2={HEIGHT - PAD} />
        <text className="tick" x={2} y={PAD + 4}>
          {all.length === 0 ? '' : formatValue(max)}
        </text>
        <text className="tick" x={2} y={HEIGHT - PAD}>
          0
        </text>
        {props.series.map((series) => {
          const points = series.values
            .map((value, index) => (value === null ? null : `${x(index)},${y(value)}`))
            .filter((point): point is string => point !== null)
            .join(' ');
          // The latest sample as a dot: visible from the first poll, before there is a line.
          const lastIndex = series.values.findLastIndex((value) => value !== null);
          const last = series.values[lastIndex];
          return (
            <g key={series.name} className={`series ${series.className}`}>
              <polyline points={points} fill="none" />
              {last !== null && last !== undefined && (
                <circle cx={x(lastIndex)} cy={y(last)} r={3} />
              )}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {props.series.map((series) => {
          const last = series.values.at(-1);
          return (
            <li key={series.name} className={series.className}>
              {series.name}: {last === null || last === undefined ? '—' : formatValue(last)}
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

export function BarChart(props: { title: string; counts: Readonly<Record<string, number>> }) {
  const entries = Object.entries(props.counts);
  const max = Math.max(1, ...entries.map(([, count]) => count));
  const rowHeight = 22;
  const height = Math.max(rowHeight, entries.length * rowHeight) + 4;
  return (
    <figure className="chart" data-chart={props.title}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={props.title}>
        {entries.length === 0 && (
          <text className="tick" x={4} y={16}>
            no data yet
          </text>
        )}
        {entries.map(([name, count], index) => (
          <g key={name} transform={`translate(0 ${index * rowHeight + 2})`}>
            <text className="tick" x={4} y={14}>
              {name}
            </text>
            <rect
              className={`bar bar-${name}`}
              x={90}
              y={2}
              height={rowHeight - 6}
              width={Math.max(1, (count / max) * (WIDTH - 150))}
            />
            <text className="tick" x={96 + (count / max) * (WIDTH - 150)} y={14}>
              {count}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
