/**
 * The SSE transport: `GET /v1/generations/{id}/events?offset=` read with `fetch` streaming
 * (no `EventSource`, which can neither send an `Authorization` header nor report why a
 * connection failed). Each frame's `id` is the offset after its event. A `response-error`
 * frame without an `id` is the connection's failure, not the log's (the gateway could not
 * read its store): it ends this connection, retryable as the frame says.
 */
import type { GenerationEvent, ResponseErrorEvent } from '@sluice/protocol';
import {
  type DeliveredEvent,
  EVENT_TRANSPORT_VERSION,
  type EventTransport,
  type OpenStreamRequest,
  TransportError,
} from './event-transport.ts';
import {
  endpoint,
  generationPath,
  type HttpSettings,
  headers,
  isRetryableStatus,
  readErrorAnswer,
} from './http.ts';
import { type ParsedSseMessage, SseParser } from './sse-parser.ts';

export function createSseTransport(settings: HttpSettings): EventTransport {
  return {
    specificationVersion: EVENT_TRANSPORT_VERSION,
    open: (request) => readSse(settings, request),
  };
}

async function* readSse(
  settings: HttpSettings,
  request: OpenStreamRequest,
): AsyncGenerator<DeliveredEvent> {
  const { generationId, offset, signal } = request;
  const url = endpoint(
    settings,
    `${generationPath(generationId, '/events')}?offset=${encodeURIComponent(offset)}`,
  );
  let response: Response;
  try {
    response = await settings.fetch(url, {
      headers: headers(settings, { accept: 'text/event-stream' }),
      signal,
    });
  } catch (error) {
    throw failure(signal, error, 'The gateway could not be reached');
  }
  if (!response.ok) {
    const answer = await readErrorAnswer(response);
    throw new TransportError({
      message: answer.message,
      retryable: isRetryableStatus(answer.status),
      status: answer.status,
      serverCode: answer.code,
    });
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (response.body === null || !contentType.includes('text/event-stream')) {
    await response.body?.cancel();
    // A proxy or captive portal answering in the gateway's place: worth another try.
    throw new TransportError({
      message: `Expected text/event-stream, got ${contentType || 'no body'}`,
      retryable: true,
      status: response.status,
      protocol: true,
    });
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const ready: ParsedSseMessage[] = [];
  const parser = new SseParser((message) => ready.push(message));
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw failure(signal, error, 'The connection dropped mid-stream');
      }
      if (chunk.done) return;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (ready.length > 0) {
        const message = ready.shift() as ParsedSseMessage;
        const delivered = toDelivered(message);
        if (delivered !== undefined) yield delivered;
      }
    }
  } finally {
    // Also runs when the consumer stops early: release the connection.
    reader.cancel().catch(() => {
      // Cancelling a body that already failed rejects again; nothing is left to release.
    });
  }
}

function toDelivered(message: ParsedSseMessage): DeliveredEvent | undefined {
  let event: GenerationEvent;
  try {
    event = JSON.parse(message.data) as GenerationEvent;
  } catch (error) {
    throw new TransportError({
      message: `An event's data is not JSON (event ${message.event})`,
      retryable: false,
      protocol: true,
      cause: error,
    });
  }
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
    throw new TransportError({
      message: `An event has no type (event ${message.event})`,
      retryable: false,
      protocol: true,
    });
  }
  if (message.id !== undefined) return { offset: message.id, event };
  if (event.type === 'response-error') {
    const connectionError = event as ResponseErrorEvent;
    throw new TransportError({
      message: connectionError.message,
      retryable: connectionError.retryable,
      serverCode: connectionError.code,
    });
  }
  // Anything else without an offset is not part of the log; resuming could not place it.
  return undefined;
}

function failure(signal: AbortSignal, error: unknown, message: string): unknown {
  if (signal.aborted) return signal.reason;
  return new TransportError({ message, retryable: true, cause: error });
}
