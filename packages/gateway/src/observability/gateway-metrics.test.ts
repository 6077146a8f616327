import { afterEach, describe, expect, test } from 'vitest';
import { OVERFLOW_LABEL_VALUE } from './bounded-label.ts';
import { GatewayMetrics, type GatewayMetricsOptions } from './gateway-metrics.ts';
import type { GenerationSummary } from './generation-summary.ts';

const opened: GatewayMetrics[] = [];

function metricsWith(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const metrics = new GatewayMetrics({ processMetrics: false, ...options });
  opened.push(metrics);
  return metrics;
}

afterEach(() => {
  for (const metrics of opened.splice(0)) metrics.close();
});

function finished(overrides: Partial<GenerationSummary> = {}): GenerationSummary {
  return {
    id: 'gen_0123456789abcdef0123456789abcdef',
    model: 'gpt-test',
    provider: 'openai-compatible',
    status: 'finished',
    finishReason: 'stop',
    usage: { inputTokens: 12, outputTokens: 11 },
    timeToFirstTokenMs: 120,
    durationMs: 1120,
    upstream: {
      timeToFirstTokenMs: 100,
      durationMs: 1100,
      usage: { inputTokens: 12, outputTokens: 11 },
    },
    ...overrides,
  };
}

/** The sample value of the exposition line with exactly this name and label set. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    const wanted = Object.entries(labels);
    if (
      wanted.length === Object.keys(found).length &&
      wanted.every(([key, value]) => found[key] === value)
    ) {
      return Number(match[2]);
    }
  }
  return undefined;
}

const client = {
  side: 'client',
  gen_ai_operation_name: 'chat',
  gen_ai_provider_name: 'openai',
  gen_ai_request_model: 'gpt-test',
};
const upstream = { ...client, side: 'upstream' };

describe('GenAI families', () => {
  test('time to first token is recorded for both sides with the convention buckets', async () => {
    const metrics = metricsWith();
    metrics.generationStarted({ model: 'gpt-test', provider: 'openai-compatible' });
    metrics.generationEnded(finished());
    const text = await metrics.render();
    const name = 'gen_ai_server_time_to_first_token_seconds';
    expect(sample(text, `${name}_sum`, client)).toBeCloseTo(0.12);
    expect(sample(text, `${name}_sum`, upstream)).toBeCloseTo(0.1);
    expect(sample(text, `${name}_bucket`, { ...client, le: '0.001' })).toBe(0);
    expect(sample(text, `${name}_bucket`, { ...client, le: '0.25' })).toBe(1);
    expect(sample(text, `${name}_bucket`, { ...client, le: '10' })).toBe(1);
    expect(
      sample(text, 'sluice_added_time_to_first_token_seconds_sum', {
        model: 'gpt-test',
        provider: 'openai-compatible',
      }),
    ).toBeCloseTo(0.02);
  });

  test('time per output token is (duration − first token) / (tokens − 1)', async () => {
    const metrics = metricsWith();
    metrics.generationEnded(finished());
    const text = await metrics.render();
    const name = 'gen_ai_server_time_per_output_token_seconds_sum';
    expect(sample(text, name, client)).toBeCloseTo(0.1);
    expect(sample(text, name, upstream)).toBeCloseTo(0.1);
  });

  test('token usage by type, request duration and the GenAI bucket edges', async () => {
    const metrics = metricsWith();
    metrics.generationEnded(finished());
    const text = await metrics.render();
    expect(
      sample(text, 'gen_ai_client_token_usage_sum', { ...client, gen_ai_token_type: 'input' }),
    ).toBe(12);
    expect(
      sample(text, 'gen_ai_client_token_usage_sum', { ...upstream, gen_ai_token_type: 'output' }),
    ).toBe(11);
    expect(
      sample(text, 'gen_ai_client_token_usage_bucket', {
        ...client,
        gen_ai_token_type: 'output',
        le: '67108864',
      }),
    ).toBe(1);
    expect(sample(text, 'gen_ai_server_request_duration_seconds_sum', client)).toBeCloseTo(1.12);
    expect(
      sample(text, 'gen_ai_server_request_duration_seconds_bucket', { ...client, le: '81.92' }),
    ).toBe(1);
  });

  test('tool calls and reasoning and cached tokens are counted by model', async () => {
    const metrics = metricsWith();
    metrics.generationEnded(
      finished({
        finishReason: 'tool-calls',
        toolCalls: 2,
        usage: { inputTokens: 12, outputTokens: 11, reasoningTokens: 5, cachedInputTokens: 8 },
      }),
    );
    metrics.generationEnded(finished({ toolCalls: 0 }));
    const text = await metrics.render();
    const labels = { model: 'gpt-test', provider: 'openai-compatible' };
    expect(sample(text, 'sluice_tool_calls_total', labels)).toBe(2);
    expect(sample(text, 'sluice_tokens_total', { ...labels, type: 'reasoning' })).toBe(5);
    expect(sample(text, 'sluice_tokens_total', { ...labels, type: 'cached_input' })).toBe(8);
    expect(sample(text, 'sluice_tokens_total', { ...labels, type: 'output' })).toBe(22);
    expect(sample(text, 'sluice_tokens_total', { ...labels, type: 'input' })).toBe(24);
  });

  test('a failed generation carries error_type and no time per output token', async () => {
    const metrics = metricsWith();
    metrics.generationEnded(
      finished({ status: 'failed', finishReason: 'error', errorCode: 'SLUICE_ERR_UPSTREAM_ERROR' }),
    );
    const text = await metrics.render();
    expect(
      sample(text, 'gen_ai_server_request_duration_seconds_count', {
        ...client,
        error_type: 'SLUICE_ERR_UPSTREAM_ERROR',
      }),
    ).toBe(1);
    expect(text).not.toContain('gen_ai_server_time_per_output_token_seconds_count{');
    expect(
      sample(text, 'sluice_generations_ended_total', {
        model: 'gpt-test',
        provider: 'openai-compatible',
        outcome: 'failed',
        reason: 'SLUICE_ERR_UPSTREAM_ERROR',
      }),
    ).toBe(1);
  });

  test('without upstream usage only the client side reports tokens', async () => {
    const metrics = metricsWith();
    metrics.generationEnded(finished({ upstream: { timeToFirstTokenMs: 100, durationMs: 1100 } }));
    const text = await metrics.render();
    expect(
      sample(text, 'gen_ai_client_token_usage_count', { ...upstream, gen_ai_token_type: 'input' }),
    ).toBeUndefined();
    expect(
      sample(text, 'gen_ai_client_token_usage_count', { ...client, gen_ai_token_type: 'input' }),
    ).toBe(1);
  });
});

describe('gateway families', () => {
  test('active generations rise and fall; outcomes are counted by reason', async () => {
    const metrics = metricsWith();
    const labels = { model: 'gpt-test', provider: 'openai-compatible' };
    metrics.generationStarted(labels);
    metrics.generationStarted(labels);
    expect(sample(await metrics.render(), 'sluice_active_generations', labels)).toBe(2);
    metrics.generationEnded(finished({ status: 'cancelled', finishReason: 'cancelled' }));
    const text = await metrics.render();
    expect(sample(text, 'sluice_active_generations', labels)).toBe(1);
    expect(sample(text, 'sluice_generations_started_total', labels)).toBe(2);
    expect(
      sample(text, 'sluice_generations_ended_total', {
        ...labels,
        outcome: 'cancelled',
        reason: 'cancelled',
      }),
    ).toBe(1);
  });

  test('readers, resumes, verdicts, redactions, quotas, breakers and store timings', async () => {
    const metrics = metricsWith();
    metrics.readerAttached({ protocol: 'sse', resumed: false });
    metrics.readerAttached({ protocol: 'sse', resumed: true });
    metrics.readerDetached({ protocol: 'sse' });
    metrics.finalized({ model: 'gpt-test', verdict: 'flagged', durationMs: 4 });
    metrics.generationEnded(finished({ redactions: new Map([['email', 2]]) }));
    metrics.redaction('card', 1);
    metrics.holdbackDelay(0.4);
    metrics.guardrailCheck({ name: 'json-schema', durationMs: 2 });
    metrics.quotaRejected({ limit: 'tokens-per-minute', scope: 'tenant' });
    metrics.circuitState('openai-main', 'open');
    metrics.storeOperation('append', 0.05);
    const text = await metrics.render();
    expect(sample(text, 'sluice_active_readers', { protocol: 'sse' })).toBe(1);
    expect(sample(text, 'sluice_resumes_total', { protocol: 'sse' })).toBe(1);
    expect(sample(text, 'sluice_verdicts_total', { model: 'gpt-test', verdict: 'flagged' })).toBe(
      1,
    );
    expect(sample(text, 'sluice_finalization_duration_seconds_sum', { verdict: 'flagged' })).toBe(
      0.004,
    );
    expect(sample(text, 'sluice_redactions_total', { kind: 'email' })).toBe(2);
    expect(sample(text, 'sluice_redactions_total', { kind: 'card' })).toBe(1);
    expect(sample(text, 'sluice_holdback_delay_seconds_count', {})).toBe(1);
    expect(
      sample(text, 'sluice_guardrail_check_duration_seconds_count', { check: 'json-schema' }),
    ).toBe(1);
    expect(
      sample(text, 'sluice_quota_rejections_total', {
        limit: 'tokens-per-minute',
        scope: 'tenant',
      }),
    ).toBe(1);
    expect(sample(text, 'sluice_circuit_breaker_state', { upstream: 'openai-main' })).toBe(2);
    expect(
      sample(text, 'sluice_store_operation_duration_seconds_count', { operation: 'append' }),
    ).toBe(1);
    expect(
      sample(text, 'sluice_event_loop_lag_seconds', { quantile: '0.99' }),
    ).toBeGreaterThanOrEqual(0);
  });
});

describe('labels', () => {
  test('no tenant label unless enabled', async () => {
    const plain = metricsWith();
    plain.generationStarted({ model: 'm', provider: 'simulator', tenant: 'acme' });
    expect(await plain.render()).not.toContain('tenant=');

    const tenanted = metricsWith({ tenantLabel: true });
    tenanted.generationStarted({ model: 'm', provider: 'simulator', tenant: 'acme' });
    tenanted.quotaRejected({ limit: 'requests-per-minute', scope: 'key', tenant: 'acme' });
    const text = await tenanted.render();
    expect(
      sample(text, 'sluice_generations_started_total', {
        model: 'm',
        provider: 'simulator',
        tenant: 'acme',
      }),
    ).toBe(1);
    expect(
      sample(text, 'sluice_quota_rejections_total', {
        limit: 'requests-per-minute',
        scope: 'key',
        tenant: 'acme',
      }),
    ).toBe(1);
  });

  test('label values past the limit, or that look like text, read "other"', async () => {
    const metrics = metricsWith({ labelValueLimit: 3 });
    for (let index = 0; index < 10; index += 1) metrics.redaction(`kind-${index}`, 1);
    metrics.redaction('my password is hunter2', 1);
    const text = await metrics.render();
    expect(sample(text, 'sluice_redactions_total', { kind: 'kind-2' })).toBe(1);
    expect(sample(text, 'sluice_redactions_total', { kind: 'kind-3' })).toBeUndefined();
    expect(sample(text, 'sluice_redactions_total', { kind: OVERFLOW_LABEL_VALUE })).toBe(8);
    expect(text).not.toContain('hunter2');
  });

  test('/metrics does not grow with the number of generations', async () => {
    const metrics = metricsWith({ tenantLabel: true });
    const record = (count: number) => {
      for (let index = 0; index < count; index += 1) {
        const tenant = `tenant-${index % 5}`;
        metrics.generationStarted({ model: 'gpt-test', provider: 'anthropic', tenant });
        metrics.generationEnded(
          finished({ id: `gen_${index}`, provider: 'anthropic', tenant, durationMs: 1120 + index }),
        );
      }
    };
    record(100);
    const after100 = (await metrics.render()).length;
    record(9_900);
    const after10000 = (await metrics.render()).length;
    // Only the digits of counts and sums change.
    expect(after10000 - after100).toBeLessThan(2_000);
  });

  test('/metrics stays bounded under 10,000 distinct generations with hostile labels', async () => {
    const metrics = metricsWith({ tenantLabel: true });
    const ids: string[] = [];
    for (let index = 0; index < 10_000; index += 1) {
      const id = `gen_${index.toString(16).padStart(32, '0')}`;
      ids.push(id);
      // Adversarial: every generation also brings a new tenant, error code and redaction kind.
      metrics.generationStarted({ model: 'gpt-test', provider: 'anthropic', tenant: `t${index}` });
      metrics.generationEnded(
        finished({
          id,
          provider: 'anthropic',
          tenant: `t${index}`,
          ...(index % 3 === 0
            ? { status: 'failed', finishReason: 'error', errorCode: `SLUICE_ERR_X${index}` }
            : {}),
          redactions: new Map([[`kind${index}`, 1]]),
        }),
      );
      metrics.readerAttached({ protocol: `protocol${index}`, resumed: index % 2 === 0 });
    }
    const text = await metrics.render();
    expect(text.length).toBeLessThan(300_000);
    expect(text).not.toContain(ids[0]);
    expect(text).not.toContain(ids[9_999]);
    expect(
      sample(text, 'sluice_active_generations', { model: 'gpt-test', provider: 'anthropic' }),
    ).toBe(0);
  });
});
