/**
 * `/dashboard`: live charts from `GET /v1/stats` (polled) and `GET /metrics` (for what
 * the stats do not hold: verdict counts) — time to first token, tokens/s, active
 * generations and readers, cancel rate, verdicts.
 */
import { useEffect, useState } from 'react';
import { apiJson, apiRequest, describeError } from '../shared/api.ts';
import { parsePrometheusText, sumBy } from './prometheus-text.ts';
import { BarChart, LineChart } from './svg-charts.tsx';

const POLL_MS = 2_000;
const HISTORY = 60;

interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

interface StatsSnapshot {
  generatedAt: string;
  window: { seconds: number; generations: number };
  timeToFirstTokenMs: Percentiles;
  tokensPerSecond: Percentiles;
  active: { generations: number; readers: number };
  outcomes: Record<string, number>;
  totals: Record<string, number>;
}

interface Point {
  ttftP50: number | null;
  ttftP90: number | null;
  tokensP50: number | null;
  generations: number;
  readers: number;
  cancelRate: number | null;
}

function pointOf(stats: StatsSnapshot): Point {
  const ended = Object.values(stats.outcomes).reduce((sum, count) => sum + count, 0);
  return {
    ttftP50: stats.timeToFirstTokenMs.p50,
    ttftP90: stats.timeToFirstTokenMs.p90,
    tokensP50: stats.tokensPerSecond.p50,
    generations: stats.active.generations,
    readers: stats.active.readers,
    cancelRate: ended === 0 ? null : ((stats.outcomes.cancelled ?? 0) / ended) * 100,
  };
}

export function DashboardPage() {
  const [history, setHistory] = useState<Point[]>([]);
  const [latest, setLatest] = useState<StatsSnapshot | undefined>(undefined);
  const [verdicts, setVerdicts] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | undefined>(undefined);
  const [metricsNote, setMetricsNote] = useState<string | undefined>(undefined);

  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const stats = await apiJson<StatsSnapshot>('/v1/stats');
        if (!live) return;
        setLatest(stats);
        setHistory((current) => [...current, pointOf(stats)].slice(-HISTORY));
        setError(undefined);
      } catch (failure) {
        if (live) setError(describeError(failure));
      }
      try {
        const text = await (await apiRequest('/metrics')).text();
        if (!live) return;
        setVerdicts(sumBy(parsePrometheusText(text), 'sluice_verdicts_total', 'verdict'));
        setMetricsNote(undefined);
      } catch (failure) {
        if (live) setMetricsNote(`Verdicts unavailable: ${describeError(failure)}`);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    window.addEventListener('sluice-api-key', poll);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener('sluice-api-key', poll);
    };
  }, []);

  const pick = (field: keyof Point) => history.map((point) => point[field]);
  return (
    <main className="operator dashboard">
      <h1>Dashboard</h1>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {latest !== undefined && (
        <p className="summary" data-testid="stats-summary">
          Last {latest.window.seconds} s: {latest.window.generations} generations ·{' '}
          {latest.totals.started ?? 0} started since the gateway started · updated{' '}
          {new Date(latest.generatedAt).toLocaleTimeString()}
        </p>
      )}
      <div className="charts">
        <LineChart
          title="Time to first token"
          unit="ms"
          series={[
            { name: 'p50', values: pick('ttftP50'), className: 'series-a' },
            { name: 'p90', values: pick('ttftP90'), className: 'series-b' },
          ]}
        />
        <LineChart
          title="Tokens per second"
          unit="p50 per generation"
          series={[{ name: 'p50', values: pick('tokensP50'), className: 'series-a' }]}
        />
        <LineChart
          title="Active streams"
          unit="now"
          series={[
            { name: 'generations', values: pick('generations'), className: 'series-a' },
            { name: 'readers', values: pick('readers'), className: 'series-b' },
          ]}
        />
        <LineChart
          title="Cancel rate"
          unit="% of ended, in the window"
          series={[{ name: 'cancelled', values: pick('cancelRate'), className: 'series-b' }]}
        />
        <BarChart title="Verdicts" counts={verdicts} />
      </div>
      {metricsNote !== undefined && <p className="notice">{metricsNote}</p>}
    </main>
  );
}
