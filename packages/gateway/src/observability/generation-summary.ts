/**
 * What observability learns about a generation when it ends: one record, filled by the
 * producer from values it already keeps, that metrics, `/v1/stats` and the generation
 * log line all read. Aggregating once per generation is what keeps the per-token path
 * free of instrumentation.
 */
import type { FinishReason, GenerationStatus, Usage } from '@sluice/protocol';

export type EndedStatus = Exclude<GenerationStatus, 'running'>;

/** The upstream call as Sluice saw it at the provider boundary. */
export interface UpstreamTimings {
  /** From calling the provider to its first text part; null when none came. */
  timeToFirstTokenMs: number | null;
  /** From calling the provider to the end of its stream (or its failure). */
  durationMs: number;
  /** Usage the provider reported; absent when it reported none (Sluice then estimates). */
  usage?: Usage | undefined;
}

export interface GenerationSummary {
  /** For logs only; never a metric label. */
  id: string;
  model: string;
  provider: string;
  /** Reported as a label only when `metrics.tenantLabel` is enabled. */
  tenant?: string | undefined;
  status: EndedStatus;
  finishReason: FinishReason;
  /** The `SLUICE_ERR_*` code when the generation failed. */
  errorCode?: string | undefined;
  /** What Sluice reported to the client in `response-finish`. */
  usage: Usage;
  /** As the client observes it through Sluice: from the request accepted to the first text-delta in the log. */
  timeToFirstTokenMs: number | null;
  /** From the request accepted to the terminal event. */
  durationMs: number;
  upstream?: UpstreamTimings | undefined;
  /** Tool calls the model made. */
  toolCalls?: number | undefined;
  /** Redactions by detector kind (counts only, never values). */
  redactions?: ReadonlyMap<string, number> | undefined;
}

/**
 * Mean time per output token after the first, the GenAI convention's definition:
 * (duration − time to first token) / (output tokens − 1). Undefined when it cannot be
 * measured (no first token, a single token).
 */
export function timePerOutputTokenMs(
  durationMs: number,
  timeToFirstTokenMs: number | null,
  outputTokens: number,
): number | undefined {
  if (timeToFirstTokenMs === null || outputTokens < 2) return undefined;
  const decodeMs = durationMs - timeToFirstTokenMs;
  if (decodeMs < 0) return undefined;
  return decodeMs / (outputTokens - 1);
}

/** Output tokens per second of streaming (after the first token), as a user feels the pace. */
export function tokensPerSecond(summary: GenerationSummary): number | undefined {
  const perTokenMs = timePerOutputTokenMs(
    summary.durationMs,
    summary.timeToFirstTokenMs,
    summary.usage.outputTokens,
  );
  if (perTokenMs === undefined || perTokenMs === 0) return undefined;
  return 1000 / perTokenMs;
}

/** Time Sluice added before the first token: client-observed minus upstream. */
export function addedTimeToFirstTokenMs(summary: GenerationSummary): number | undefined {
  const upstream = summary.upstream?.timeToFirstTokenMs;
  if (summary.timeToFirstTokenMs === null || upstream === null || upstream === undefined) {
    return undefined;
  }
  return Math.max(0, summary.timeToFirstTokenMs - upstream);
}
