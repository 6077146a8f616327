/**
 * @sluice/protocol: what the gateway and its clients agree on — event types, offsets,
 * the canonical event codec, the error catalogue and SSE encoding.
 */
export * from './errors.ts';
export * from './event-codec.ts';
export * from './events.ts';
export * from './generations-api.ts';
export * from './messages.ts';
export * from './offsets.ts';
export * from './sse.ts';
export * from './ws-frames.ts';
