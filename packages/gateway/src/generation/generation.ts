/**
 * What a client asks for when it starts a generation (protocol v2 request plus who asked
 * and through which route). The generation's state is a `GenerationRecord`
 * (generation-record.ts); its content is the stream log.
 */
import type { GenerateRequest } from '@sluice/protocol';
import type { RequestSpan } from '../observability/tracing.ts';

/** The native request (`@sluice/protocol`'s `GenerateRequest`) plus who asked and how. */
export interface GenerationRequest extends GenerateRequest {
  /** The API route that accepted the request; policies can be bound per route. */
  route?: string;
  /** The caller's tenant (owner of the generation) and API key. */
  tenant?: string;
  keyId?: string;
  /** The request's trace span: the provider call becomes its child. */
  traceParent?: RequestSpan;
  /** Headers forwarded to the upstream call (e.g. `traceparent`). */
  upstreamHeaders?: Record<string, string>;
}

export type { GenerationError, StopCause } from './generation-record.ts';
