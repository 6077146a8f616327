/**
 * Delivery: the one relay core from a stream log to readers, its encoders (frames, not
 * wire text) and its transports, and the Durable Streams protocol built on them.
 */
export { registerDurableStreams } from './durable-streams/register-durable-streams.ts';
export type {
  AdmittedReader,
  DetachReason,
  EventFrame,
  FrameEncoder,
  FrameTransport,
  ReaderAdmission,
  RelayFailure,
} from './frame.ts';
export { nativeEventEncoder } from './native-event-encoder.ts';
export { OpenAiChunkEncoder } from './openai-chunk-encoder.ts';
export { DEFAULT_READER_LIMITS, type ReaderLimits } from './reader-connection.ts';
export { READ_BATCH_BYTES, READ_BATCH_MESSAGES, type RelayOutcome, relay } from './relay.ts';
export { openSse, SseTransport, sseText } from './sse-transport.ts';
export {
  UI_MESSAGE_STREAM_HEADER,
  UI_MESSAGE_STREAM_VERSION,
  UiMessageEncoder,
} from './ui-message-encoder.ts';
export { WebSocketConnection, type WebSocketPeer } from './websocket-connection.ts';
export { WebSocketTransport } from './websocket-transport.ts';
