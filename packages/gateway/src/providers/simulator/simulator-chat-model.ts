/**
 * The embedded default model (`simulator`): deterministic, readable answers with no network,
 * for demos, tests, load tests and fault injection. The seed is the request's `seed`, or a
 * hash of the prompt when it has none, so the same prompt gives the same answer. `maxTokens`
 * gives exactly that many tokens (finish `length`); otherwise a seed-chosen natural length
 * ending at a sentence (finish `stop`). `temperature` is accepted and ignored.
 */
import type {
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelStreamResult,
  SimulatorOptions,
} from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import { SeededRandom, seedFromMessages } from './seeded-random.ts';
import { SimulatorStream } from './simulator-stream.ts';

export interface SimulatorSettings {
  /** Defaults to `simulator`. */
  modelId?: string;
  /** Defaults for requests that do not set their own `simulator` options. */
  defaults?: SimulatorOptions;
}

const DEFAULT_TIME_TO_FIRST_TOKEN_MS = 10;
const DEFAULT_TOKEN_INTERVAL_MS = 15;
const NATURAL_LENGTH_MINIMUM = 30;
const NATURAL_LENGTH_MAXIMUM = 100;
const NATURAL_LENGTH_CAP = 120;

/** A deterministic stand-in for a tokenizer: about four characters per token. */
export function estimateInputTokens(options: LanguageModelCallOptions): number {
  let characters = 0;
  for (const message of options.messages) characters += message.content.length;
  return Math.ceil(characters / 4);
}

function nonNegativeInteger(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.max(0, Math.floor(value));
}

export class SimulatorChatModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v1';
  readonly provider = 'simulator';
  readonly modelId: string;
  readonly #defaults: SimulatorOptions;

  constructor(settings: SimulatorSettings = {}) {
    this.modelId = settings.modelId ?? 'simulator';
    this.#defaults = settings.defaults ?? {};
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const signal = options.abortSignal;
    if (signal?.aborted) throw abortReason(signal);
    const simulator = { ...this.#defaults, ...options.simulator };
    const seed = nonNegativeInteger(options.seed) ?? seedFromMessages(options.messages);
    const random = new SeededRandom(seed);
    const stream = new SimulatorStream({
      random,
      responseId: `simulator-${(seed >>> 0).toString(16)}`,
      modelId: this.modelId,
      maxTokens: nonNegativeInteger(options.maxTokens),
      naturalLength: random.integer(NATURAL_LENGTH_MINIMUM, NATURAL_LENGTH_MAXIMUM),
      naturalLengthCap: NATURAL_LENGTH_CAP,
      inputTokens: estimateInputTokens(options),
      timeToFirstTokenMs: nonNegativeInteger(simulator.ttftMs) ?? DEFAULT_TIME_TO_FIRST_TOKEN_MS,
      tokenIntervalMs: nonNegativeInteger(simulator.tokenIntervalMs) ?? DEFAULT_TOKEN_INTERVAL_MS,
      failAfterTokens: nonNegativeInteger(simulator.failAfterTokens),
      stallAfterTokens: nonNegativeInteger(simulator.stallAfterTokens),
      abortSignal: signal,
    });
    return { stream };
  }
}
