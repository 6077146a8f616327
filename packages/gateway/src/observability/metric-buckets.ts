/**
 * Histogram bucket boundaries. The GenAI ones are the explicit boundaries the
 * OpenTelemetry GenAI semantic conventions advise, so Sluice's histograms line up with
 * any other instrumentation of the same metrics; the gateway ones are ours.
 */

/** `gen_ai.server.time_to_first_token`, seconds. */
export const TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/** `gen_ai.server.time_per_output_token`, seconds. */
export const TIME_PER_OUTPUT_TOKEN_BUCKETS: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
];

/** `gen_ai.server.request.duration` and `gen_ai.client.operation.duration`, seconds. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** `gen_ai.client.token.usage`, tokens. */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/**
 * Gateway-internal latencies (added time to first token, holdback, store calls,
 * guardrail checks): the budgets are sub-millisecond to a few milliseconds, so the
 * buckets start at 50 µs and end where something is clearly wrong.
 */
export const GATEWAY_LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** Finalization includes validators that may call a webhook, so it reaches seconds. */
export const FINALIZATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
