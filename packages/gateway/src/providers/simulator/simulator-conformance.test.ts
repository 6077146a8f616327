/**
 * The simulator against the `LanguageModel` conformance suite, for the scenarios its options
 * can produce. It has no socket, so "the upstream closed" means its stream let go of its
 * timers and abort listener: the harness keeps every stream the model returned and checks
 * them when asked, which needs no waiting because the simulator closes synchronously on an
 * abort, a `return()` or an error.
 */
import type { LanguageModel, SimulatorOptions } from '../language-model.ts';
import { CONFORMANCE_SCENARIOS } from '../testing/conformance-scenarios.ts';
import {
  describeLanguageModelConformance,
  type Replay,
} from '../testing/language-model-conformance.ts';
import { createSimulator } from './simulator-provider.ts';
import type { SimulatorStream } from './simulator-stream.ts';

const fast = { ttftMs: 0, tokenIntervalMs: 0 };

function observedSimulator(simulator: SimulatorOptions): Replay {
  const model = createSimulator();
  const streams: SimulatorStream[] = [];
  const observed: LanguageModel = {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    unsupportedOptions: (options) => model.unsupportedOptions(options),
    doStream: async (options) => {
      const result = await model.doStream(options);
      streams.push(result.stream);
      return result;
    },
  };
  return {
    model: observed,
    options: { simulator },
    upstreamClosed: () =>
      streams.length > 0 && streams.every((stream) => stream.closed)
        ? Promise.resolve()
        : Promise.reject(new Error('a simulator stream still holds its timers')),
    close: async () => undefined,
  };
}

const [weatherCall] = CONFORMANCE_SCENARIOS['one-tool-call'].toolCalls;

describeLanguageModelConformance('simulator', {
  scenarios: ['one-tool-call'],
  generatesToolCallIds: true,
  replay: async () =>
    observedSimulator({
      ...fast,
      toolCall: { name: weatherCall.toolName, arguments: weatherCall.arguments },
    }),
  // Stalled after one token: no timer is pending, only the abort listener.
  hanging: async () => observedSimulator({ ...fast, stallAfterTokens: 1 }),
  failures: {
    'mid-stream-error': async () => observedSimulator({ ...fast, failAfterTokens: 2 }),
  },
});
