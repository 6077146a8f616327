/**
 * Sends one benchmark request and times it: time to first token at the first chunk that
 * carries text, a gap for every later text chunk, end-to-end latency when the body ends.
 * Every outcome resolves, never rejects: a refused connection, a timeout, an error status
 * or a broken stream becomes a record with a short `error` reason.
 */
import { createParser } from 'eventsource-parser';
import { type Dispatcher, request } from 'undici';
import type { BenchApi } from './bench-options.ts';
import type { PreparedRequest } from './bench-request.ts';
import { reasonForError, reasonForStatus } from './failure-reason.ts';
import {
  errorKind,
  interpretWholeResponse,
  type ResponseInterpreter,
  streamInterpreter,
} from './response-interpreters.ts';

export interface RequestRecord {
  /** Order in which the request was started, from 0. */
  index: number;
  /** performance.now() when the request was sent. */
  sentAt: number;
  timeToFirstTokenMs: number | undefined;
  /** Gaps between consecutive text chunks. */
  interTokenMs: number[];
  endToEndMs: number;
  outputTokens: number;
  /** Set when the request failed; a short reason such as `connection refused`. */
  error: string | undefined;
}

export interface RunRequestOptions {
  index: number;
  api: BenchApi;
  stream: boolean;
  prepared: PreparedRequest;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** Aborted when the whole run is interrupted. */
  signal: AbortSignal;
}

/** Error bodies are read only this far: enough for `{ error: { code } }`. */
const ERROR_BODY_LIMIT = 16 * 1024;

async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.length >= limit) break;
  }
  return text;
}

function statusFailure(statusCode: number, text: string): string {
  let kind: string | undefined;
  try {
    kind = errorKind((JSON.parse(text) as { error?: unknown }).error);
  } catch {
    kind = undefined;
  }
  return reasonForStatus(statusCode, kind);
}

/** Times every text-carrying event by the network read that delivered it. */
async function readStream(
  interpreter: ResponseInterpreter,
  body: Dispatcher.ResponseData['body'],
  result: RequestRecord,
): Promise<void> {
  let readAt = 0;
  let lastTextAt = 0;
  let textChunks = 0;
  const parser = createParser({
    onEvent: (event) => {
      if (!interpreter.readEvent(event)) return;
      textChunks += 1;
      if (result.timeToFirstTokenMs === undefined) {
        result.timeToFirstTokenMs = readAt - result.sentAt;
      } else {
        result.interTokenMs.push(readAt - lastTextAt);
      }
      lastTextAt = readAt;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    readAt = performance.now();
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  }
  result.outputTokens = interpreter.reportedOutputTokens ?? textChunks;
  if (interpreter.failure !== undefined) result.error = interpreter.failure;
  else if (!interpreter.finished) result.error = 'stream ended early';
  else if (result.timeToFirstTokenMs === undefined) result.error = 'no output text';
}

export async function runRequest(options: RunRequestOptions): Promise<RequestRecord> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([timeout, options.signal]);
  const sentAt = performance.now();
  const result: RequestRecord = {
    index: options.index,
    sentAt,
    timeToFirstTokenMs: undefined,
    interTokenMs: [],
    endToEndMs: 0,
    outputTokens: 0,
    error: undefined,
  };
  try {
    const response = await request(options.prepared.url, {
      method: 'POST',
      headers: options.prepared.headers,
      body: options.prepared.body,
      dispatcher: options.dispatcher,
      signal,
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readText(response.body, ERROR_BODY_LIMIT).catch(() => '');
      response.body.destroy();
      result.error = statusFailure(response.statusCode, text);
    } else if (options.stream) {
      await readStream(streamInterpreter(options.api), response.body, result);
    } else {
      const text = await readText(response.body, Number.POSITIVE_INFINITY);
      const whole = interpretWholeResponse(text);
      // The whole answer arrives at once: its first token is its last.
      result.endToEndMs = performance.now() - sentAt;
      result.timeToFirstTokenMs = result.endToEndMs;
      result.outputTokens = whole.reportedOutputTokens ?? (whole.hasText ? 1 : 0);
      result.error = whole.failure;
    }
  } catch (error) {
    if (timeout.aborted) result.error = 'timeout';
    else if (options.signal.aborted) result.error = 'interrupted';
    else result.error = reasonForError(error);
  }
  if (options.stream || result.error !== undefined) result.endToEndMs = performance.now() - sentAt;
  if (result.error !== undefined) result.interTokenMs = [];
  return result;
}
