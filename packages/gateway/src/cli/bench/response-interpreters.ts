/**
 * Reads the meaning out of a benchmark response, one server-sent event at a time (or one
 * whole JSON body without streaming): whether the event carried output text, the output
 * token count the server reported, whether the response reached its terminal event and
 * what went wrong. One interpreter per API shape; the request runner does the timing.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { BenchApi } from './bench-options.ts';

export interface ResponseInterpreter {
  /** Returns true when the event carried output text. */
  readEvent(event: EventSourceMessage): boolean;
  /** The server's output token count, when it reported one. */
  readonly reportedOutputTokens: number | undefined;
  /** The response reached its terminal event. */
  readonly finished: boolean;
  /** A short reason when the stream itself reported an error. */
  readonly failure: string | undefined;
}

/** A safe identifier from an error object (`code`, else `type`), never free text. */
export function errorKind(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, type } = error as { code?: unknown; type?: unknown };
  for (const candidate of [code, type]) {
    if (typeof candidate === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(candidate)) return candidate;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmptyText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

class OpenAiStreamInterpreter implements ResponseInterpreter {
  reportedOutputTokens: number | undefined;
  finished = false;
  failure: string | undefined;

  readEvent(event: EventSourceMessage): boolean {
    if (event.data === '[DONE]') {
      this.finished = true;
      return false;
    }
    const chunk = record(parseJson(event.data));
    if (chunk === undefined) {
      this.failure ??= 'malformed stream chunk';
      return false;
    }
    if (chunk.error !== undefined) {
      const kind = errorKind(chunk.error);
      this.failure ??= kind === undefined ? 'stream error' : `stream error (${kind})`;
      return false;
    }
    const completionTokens = record(chunk.usage)?.completion_tokens;
    if (typeof completionTokens === 'number') this.reportedOutputTokens = completionTokens;
    const choice = record(Array.isArray(chunk.choices) ? chunk.choices[0] : undefined);
    if (choice === undefined) return false;
    // A finish reason ends the answer; servers that never send [DONE] still finish.
    if (typeof choice.finish_reason === 'string') this.finished = true;
    const delta = record(choice.delta);
    return nonEmptyText(delta?.content) || nonEmptyText(delta?.reasoning_content);
  }
}

class SluiceStreamInterpreter implements ResponseInterpreter {
  reportedOutputTokens: number | undefined;
  finished = false;
  failure: string | undefined;

  readEvent(event: EventSourceMessage): boolean {
    switch (event.event) {
      case 'text-delta':
        return nonEmptyText(record(parseJson(event.data))?.delta);
      case 'response-finish': {
        const payload = record(parseJson(event.data));
        const outputTokens = record(payload?.usage)?.outputTokens;
        if (typeof outputTokens === 'number') this.reportedOutputTokens = outputTokens;
        this.finished = true;
        const finishReason = payload?.finishReason;
        if (finishReason === 'error' || finishReason === 'interrupted') {
          this.failure ??= `finished with ${finishReason}`;
        }
        return false;
      }
      case 'response-error': {
        const code = errorKind(record(parseJson(event.data)));
        this.failure ??= code === undefined ? 'stream error' : `stream error (${code})`;
        return false;
      }
      default:
        return false;
    }
  }
}

export function streamInterpreter(api: BenchApi): ResponseInterpreter {
  return api === 'openai' ? new OpenAiStreamInterpreter() : new SluiceStreamInterpreter();
}

export interface WholeResponse {
  hasText: boolean;
  reportedOutputTokens: number | undefined;
  failure: string | undefined;
}

/** A non-streamed Chat Completions body. */
export function interpretWholeResponse(text: string): WholeResponse {
  const body = record(parseJson(text));
  if (body === undefined) {
    return { hasText: false, reportedOutputTokens: undefined, failure: 'malformed response' };
  }
  if (body.error !== undefined) {
    const kind = errorKind(body.error);
    return {
      hasText: false,
      reportedOutputTokens: undefined,
      failure: kind === undefined ? 'response error' : `response error (${kind})`,
    };
  }
  const completionTokens = record(body.usage)?.completion_tokens;
  const choice = record(Array.isArray(body.choices) ? body.choices[0] : undefined);
  return {
    hasText: nonEmptyText(record(choice?.message)?.content),
    reportedOutputTokens: typeof completionTokens === 'number' ? completionTokens : undefined,
    failure: choice === undefined ? 'response without choices' : undefined,
  };
}
