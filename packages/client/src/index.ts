/**
 * @sluice/client: the Sluice SDK for browsers and Node — start a generation, iterate its
 * typed events, resume dropped connections on its own, cancel, and await the validated
 * result. No side effects at import.
 */
export type {
  GenerationEvent,
  GenerationEventType,
  ResponseFinalEvent,
  ReviewDecisionEvent,
  Usage,
  Verdict,
} from '@sluice/protocol';
export {
  backoffCeilingMs,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from './backoff.ts';
export {
  SLUICE_STREAM_ERROR_CODES,
  SluiceStreamError,
  type SluiceStreamErrorCode,
} from './errors.ts';
export {
  type DeliveredEvent,
  EVENT_TRANSPORT_VERSION,
  type EventTransport,
  type OpenStreamRequest,
  TransportError,
} from './event-transport.ts';
export { type EventOfType, Generation, type GenerationListeners } from './generation.ts';
export type { CompletedToolCall, GenerationResult } from './generation-result.ts';
export {
  forgetGeneration,
  recallGeneration,
  rememberGeneration,
  type StorageLike,
  type StoredGeneration,
} from './generation-storage.ts';
export type { FetchFunction, HttpSettings } from './http.ts';
export type { ReconnectInfo } from './resumable-read.ts';
export {
  type GenerateRequest,
  type GenerationView,
  type ResumeOptions,
  type SimulatorRequestOptions,
  SluiceClient,
  type SluiceClientOptions,
  type StreamOptions,
  type TransportChoice,
} from './sluice-client.ts';
export { createSseTransport } from './sse-transport.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket-connection.ts';
export { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.ts';
