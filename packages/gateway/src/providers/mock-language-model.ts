/**
 * `MockLanguageModel`: a scriptable `LanguageModel` for tests of other modules (generation
 * service, pipeline, routes). It records every `doStream` call, including whether the call's
 * abort signal fired and how its stream ended, and can reject before the stream, throw
 * mid-stream, hang until aborted, or release parts one by one through a `MockGate`. It
 * accepts every call option unless told which ones it cannot carry (`unsupportedOptions`).
 * Nothing in it sleeps: tests wait on its promises (`whenAborted`, `whenEnded`,
 * `gate.whenWaiting()`). `mockTextParts` and `mockToolCallParts` script common answers.
 */
import type {
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelStreamPart,
  LanguageModelStreamResult,
  ProviderFinishReason,
  ProviderUsage,
  UnsupportedOption,
} from './language-model.ts';
import type { MockGate } from './mock-gate.ts';
import { abortReason } from './shared/abort-reason.ts';
import { createDeferred } from './shared/deferred.ts';

export type MockStreamSource =
  | readonly LanguageModelStreamPart[]
  | ((
      options: LanguageModelCallOptions,
      call: MockLanguageModelCall,
    ) =>
      | AsyncIterable<LanguageModelStreamPart>
      | Iterable<LanguageModelStreamPart>
      | Promise<AsyncIterable<LanguageModelStreamPart> | Iterable<LanguageModelStreamPart>>);

export interface MockLanguageModelSettings {
  /** Defaults to `mock`. */
  provider?: string;
  /** Defaults to `mock-model`. */
  modelId?: string;
  /**
   * The parts every call yields, or a function building each call's stream (it may throw or
   * reject to make that one `doStream` call reject). Defaults to a short "Hello, world!".
   */
  stream?: MockStreamSource;
  /** `doStream` rejects with this before any stream exists. */
  rejectWith?: unknown;
  /** The stream throws `error` after yielding `afterParts` parts. */
  throwMidStream?: { afterParts: number; error: unknown };
  /** After yielding this many parts the stream hangs until its abort signal fires. */
  hangAfterParts?: number;
  /** When given, every part waits for a permit from the gate before it is yielded. */
  gate?: MockGate;
  /**
   * What `unsupportedOptions` answers: a fixed list, or a function of the call's options.
   * Defaults to none (the mock carries every option).
   */
  unsupportedOptions?:
    | readonly UnsupportedOption[]
    | ((options: LanguageModelCallOptions) => UnsupportedOption[]);
}

export type MockCallOutcome = 'completed' | 'threw' | 'aborted' | 'closed-early';

/** What the mock saw of one `doStream` call; fields update as the stream runs. */
export class MockLanguageModelCall {
  readonly index: number;
  readonly options: LanguageModelCallOptions;
  /** True once the call's abort signal fired. */
  aborted = false;
  /** Parts handed to the consumer so far. */
  partsYielded = 0;
  /** How the stream ended; `undefined` while it runs or if it never started. */
  outcome: MockCallOutcome | undefined;
  /** The error the stream threw, when `outcome` is `threw` or `aborted`. */
  error: unknown;
  readonly #aborted = createDeferred();
  readonly #ended = createDeferred();

  constructor(index: number, options: LanguageModelCallOptions) {
    this.index = index;
    this.options = options;
    const signal = options.abortSignal;
    if (signal === undefined) return;
    const markAborted = () => {
      this.aborted = true;
      this.#aborted.resolve();
    };
    if (signal.aborted) markAborted();
    else signal.addEventListener('abort', markAborted, { once: true });
  }

  /** Resolves when the call's abort signal fires (never, if it has none and is not aborted). */
  get whenAborted(): Promise<void> {
    return this.#aborted.promise;
  }

  /** Resolves when the stream has ended in any way (completed, threw, aborted, closed early). */
  get whenEnded(): Promise<void> {
    return this.#ended.promise;
  }

  /** @internal used by the mock's stream. */
  end(outcome: MockCallOutcome, error?: unknown): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.error = error;
    this.#ended.resolve();
  }
}

/** Builds the parts of a plain text answer: metadata, one delta per string, finish. */
export function mockTextParts(
  deltas: readonly string[],
  finish: { finishReason?: ProviderFinishReason; usage?: ProviderUsage } = {},
): LanguageModelStreamPart[] {
  return [
    { type: 'response-metadata', modelId: 'mock-model', id: 'mock-response' },
    ...deltas.map((delta): LanguageModelStreamPart => ({ type: 'text-delta', delta })),
    {
      type: 'finish',
      finishReason: finish.finishReason ?? 'stop',
      usage: finish.usage ?? { inputTokens: 1, outputTokens: deltas.length },
    },
  ];
}

/** A tool call to script: `arguments` as one fragment, or as the fragments to stream. */
export interface MockToolCall {
  toolCallId: string;
  toolName: string;
  arguments: string | readonly string[];
}

/**
 * Builds the parts of an answer that calls tools: metadata, then for each call (in order,
 * numbered from 0) its start, its non-empty argument fragments and its end, then the finish
 * (`tool-calls` unless told otherwise).
 */
export function mockToolCallParts(
  calls: readonly MockToolCall[],
  finish: { finishReason?: ProviderFinishReason; usage?: ProviderUsage } = {},
): LanguageModelStreamPart[] {
  const parts: LanguageModelStreamPart[] = [
    { type: 'response-metadata', modelId: 'mock-model', id: 'mock-response' },
  ];
  let fragments = 0;
  calls.forEach((call, index) => {
    const { toolCallId, toolName } = call;
    parts.push({ type: 'tool-call-start', index, toolCallId, toolName });
    const pieces = typeof call.arguments === 'string' ? [call.arguments] : call.arguments;
    for (const argumentsDelta of pieces) {
      if (argumentsDelta === '') continue;
      parts.push({ type: 'tool-call-delta', index, argumentsDelta });
      fragments += 1;
    }
    parts.push({ type: 'tool-call-end', index });
  });
  parts.push({
    type: 'finish',
    finishReason: finish.finishReason ?? 'tool-calls',
    usage: finish.usage ?? { inputTokens: 1, outputTokens: fragments },
  });
  return parts;
}

export class MockLanguageModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v2';
  readonly provider: string;
  readonly modelId: string;
  /** Every `doStream` call, in order. */
  readonly calls: MockLanguageModelCall[] = [];
  readonly #settings: MockLanguageModelSettings;

  constructor(settings: MockLanguageModelSettings = {}) {
    this.#settings = settings;
    this.provider = settings.provider ?? 'mock';
    this.modelId = settings.modelId ?? 'mock-model';
  }

  unsupportedOptions(options: LanguageModelCallOptions): UnsupportedOption[] {
    const unsupported = this.#settings.unsupportedOptions ?? [];
    return typeof unsupported === 'function' ? unsupported(options) : [...unsupported];
  }

  /** The most recent call, for the common single-call test. */
  get lastCall(): MockLanguageModelCall | undefined {
    return this.calls.at(-1);
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const call = new MockLanguageModelCall(this.calls.length, options);
    this.calls.push(call);
    const signal = options.abortSignal;
    if (signal?.aborted) throw abortReason(signal);
    if (this.#settings.rejectWith !== undefined) throw this.#settings.rejectWith;
    const stream = this.#settings.stream ?? mockTextParts(['Hello', ',', ' world', '!']);
    const source = typeof stream === 'function' ? await stream(options, call) : stream;
    return { stream: this.#run(call, source, signal) };
  }

  async *#run(
    call: MockLanguageModelCall,
    source: AsyncIterable<LanguageModelStreamPart> | Iterable<LanguageModelStreamPart>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelStreamPart> {
    const { throwMidStream, hangAfterParts, gate } = this.#settings;
    // Applied before yielding part N, and once more after the source is exhausted, so
    // `afterParts` equal to the number of parts fires before the stream would end.
    const beforePart = async () => {
      if (throwMidStream !== undefined && call.partsYielded === throwMidStream.afterParts) {
        throw throwMidStream.error;
      }
      if (hangAfterParts !== undefined && call.partsYielded === hangAfterParts) {
        await untilAborted(signal);
      }
      if (signal?.aborted) throw abortReason(signal);
    };
    try {
      for await (const part of source) {
        await beforePart();
        if (gate !== undefined) await gate.wait(signal);
        yield part;
        call.partsYielded += 1;
      }
      await beforePart();
      call.end('completed');
    } catch (error) {
      call.end(signal?.aborted ? 'aborted' : 'threw', error);
      throw error;
    } finally {
      call.end('closed-early');
    }
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  const { promise, reject } = Promise.withResolvers<never>();
  if (signal === undefined) return promise;
  if (signal.aborted) reject(abortReason(signal));
  else signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
  return promise;
}
