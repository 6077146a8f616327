import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.ts';

const DASHBOARD = new URL('../../../../dashboards/sluice-grafana.json', import.meta.url);

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

describe('the Grafana dashboard', () => {
  test('queries only metric families the gateway exposes', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const metrics = new GatewayMetrics();
    const exposed = new Set(
      (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    metrics.close();
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        for (const [name] of target.expr.matchAll(
          /\b(?:gen_ai|sluice|process)_[a-z_]+(?=[{[)])/g,
        )) {
          queried.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    expect(queried.size).toBeGreaterThan(15);
    for (const name of queried) expect(exposed, name).toContain(name);
  });
});
