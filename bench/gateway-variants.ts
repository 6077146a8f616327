/**
 * Variants of a gateway scenario the issues ask about: the same load with redaction off,
 * with metrics off (the baseline for what observability costs),
 * with tracing exported to a local OTLP sink, with API keys and quotas checked on every
 * request, with extra fast (and slow) readers attached to every generation, and with
 * the stream log, records and quotas on Redis (127.0.0.1:6379, a key prefix per run), and
 * the same on Redis served by `sluice serve --workers 2`. Each
 * variant names what the gateway is started with and what the load client adds.
 */

export const VARIANT_NAMES = [
  'default',
  'no-redaction',
  'no-metrics',
  'tracing',
  'keys',
  'readers',
  'slow-readers',
  'redis',
  'workers2',
] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export const VARIANT_LABELS: Record<VariantName, string> = {
  default: '',
  'no-redaction': 'redaction off',
  'no-metrics': 'metrics off',
  tracing: 'tracing on',
  keys: 'keys + quota',
  readers: '+3 fast readers',
  'slow-readers': '+3 fast, +2 slow readers',
  redis: 'on Redis',
  workers2: 'on Redis, 2 workers',
};

export interface VariantSetup {
  /** False: a policy with every redaction detector disabled is published before the run. */
  redaction: boolean;
  /** Spans exported over OTLP/HTTP to a loopback sink. */
  tracing: boolean;
  /** Prometheus metrics and stats collected (the default); off for the observability baseline. */
  metrics: boolean;
  /** `auth.mode: keys` with a tenant quota; the client sends a key created beforehand. */
  keys: boolean;
  /** Readers of `GET /v1/generations/{id}/events` attached to each generation. */
  extraFastReaders: number;
  slowReaders: number;
  /** `store: { kind: redis }` on the loopback Redis: logs, records and quotas shared. */
  redis: boolean;
  /** `sluice serve --workers N` (N > 1 needs `redis`); 1 is one process. */
  workers: number;
}

export function variantSetup(variant: VariantName): VariantSetup {
  return {
    redaction: variant !== 'no-redaction',
    tracing: variant === 'tracing',
    metrics: variant !== 'no-metrics',
    keys: variant === 'keys',
    extraFastReaders: variant === 'readers' || variant === 'slow-readers' ? 3 : 0,
    slowReaders: variant === 'slow-readers' ? 2 : 0,
    redis: variant === 'redis' || variant === 'workers2',
    workers: variant === 'workers2' ? 2 : 1,
  };
}

/** The policy document that turns every built-in redaction detector off. */
export const NO_REDACTION_POLICY = {
  guardrails: {
    redaction: {
      detectors: Object.fromEntries(
        ['email', 'phone', 'card', 'iban', 'ssn', 'ip', 'secret'].map((name) => [
          name,
          { enabled: false },
        ]),
      ),
    },
  },
};

export function parseVariants(text: string): VariantName[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(VARIANT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`Unknown variant "${name}"; choose from ${VARIANT_NAMES.join(', ')}`);
    }
  }
  return names as VariantName[];
}
