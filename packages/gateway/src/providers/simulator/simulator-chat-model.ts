/**
 * The embedded default model (`simulator`): deterministic, readable answers with no network,
 * for demos, tests, load tests and fault injection. The seed is the request's `seed`, or a
 * hash of the prompt when it has none, so the same prompt gives the same answer. `maxTokens`
 * gives exactly that many text tokens (finish `length`); otherwise a seed-chosen natural
 * length ending at a sentence (finish `stop`).
 *
 * It is a stand-in for a real model, so it accepts every call option (`unsupportedOptions`
 * is always empty) and ignores what it cannot use: tools, tool choice, response format,
 * temperature, stop sequences, reasoning effort, provider options, images and files. Tool
 * calls and reasoning happen only when the `simulator` options ask for them: `toolCall`
 * answers with that call (id `call_sim_<seed in hex>`, arguments streamed in fragments,
 * finish `tool-calls`, `maxTokens` not applied), `reasoningTokens` streams that many
 * reasoning deltas before the answer (counted in the output tokens and as reasoning tokens).
 */
import { messageCharacters } from '@sluice/protocol';
import type {
  LanguageModel,
  LanguageModelCallOptions,
  SimulatorOptions,
  UnsupportedOption,
} from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import { SeededRandom, seedFromMessages } from './seeded-random.ts';
import { type SimulatedToolCall, SimulatorStream } from './simulator-stream.ts';

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
  for (const message of options.messages) characters += messageCharacters(message);
  return Math.ceil(characters / 4);
}

function nonNegativeInteger(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.max(0, Math.floor(value));
}

export class SimulatorChatModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v2';
  readonly provider = 'simulator';
  readonly modelId: string;
  readonly #defaults: SimulatorOptions;

  constructor(settings: SimulatorSettings = {}) {
    this.modelId = settings.modelId ?? 'simulator';
    this.#defaults = settings.defaults ?? {};
  }

  unsupportedOptions(_options: LanguageModelCallOptions): UnsupportedOption[] {
    return [];
  }

  async doStream(options: LanguageModelCallOptions): Promise<{ stream: SimulatorStream }> {
    const signal = options.abortSignal;
    if (signal?.aborted) throw abortReason(signal);
    const simulator = { ...this.#defaults, ...options.simulator };
    const seed = nonNegativeInteger(options.seed) ?? seedFromMessages(options.messages);
    const random = new SeededRandom(seed);
    const seedHex = (seed >>> 0).toString(16);
    const toolCall: SimulatedToolCall | undefined =
      simulator.toolCall === undefined
        ? undefined
        : {
            toolCallId: `call_sim_${seedHex}`,
            toolName: simulator.toolCall.name,
            arguments: simulator.toolCall.arguments,
          };
    const stream = new SimulatorStream({
      random,
      responseId: `simulator-${seedHex}`,
      modelId: this.modelId,
      maxTokens: nonNegativeInteger(options.maxTokens),
      naturalLength: random.integer(NATURAL_LENGTH_MINIMUM, NATURAL_LENGTH_MAXIMUM),
      naturalLengthCap: NATURAL_LENGTH_CAP,
      inputTokens: estimateInputTokens(options),
      timeToFirstTokenMs: nonNegativeInteger(simulator.ttftMs) ?? DEFAULT_TIME_TO_FIRST_TOKEN_MS,
      tokenIntervalMs: nonNegativeInteger(simulator.tokenIntervalMs) ?? DEFAULT_TOKEN_INTERVAL_MS,
      failAfterTokens: nonNegativeInteger(simulator.failAfterTokens),
      stallAfterTokens: nonNegativeInteger(simulator.stallAfterTokens),
      reasoningTokens: nonNegativeInteger(simulator.reasoningTokens) ?? 0,
      toolCall,
      abortSignal: signal,
    });
    return { stream };
  }
}
