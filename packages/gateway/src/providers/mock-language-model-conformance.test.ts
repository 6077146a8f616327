/**
 * The mock against the `LanguageModel` conformance suite: every scenario is scripted from
 * `CONFORMANCE_SCENARIOS` with the mock's own part builders, so tests of other modules that
 * script the mock the same way feed them parts a real provider could produce. "The upstream
 * closed" means the recorded call ended, and ended the way the suite ended it.
 */
import { expect } from 'vitest';
import { type LanguageModelStreamPart, ProviderError } from './language-model.ts';
import {
  type MockCallOutcome,
  MockLanguageModel,
  type MockLanguageModelSettings,
  mockTextParts,
  mockToolCallParts,
} from './mock-language-model.ts';
import { CONFORMANCE_SCENARIOS, type ExpectedAnswer } from './testing/conformance-scenarios.ts';
import {
  describeLanguageModelConformance,
  type Replay,
} from './testing/language-model-conformance.ts';

/** Cuts `text` into pieces of `size` characters (code points, so no surrogate pair is split). */
function pieces(text: string, size: number): string[] {
  const characters = Array.from(text);
  const result: string[] = [];
  for (let start = 0; start < characters.length; start += size) {
    result.push(characters.slice(start, start + size).join(''));
  }
  return result;
}

function scriptedParts(answer: ExpectedAnswer): LanguageModelStreamPart[] {
  const finish = { finishReason: answer.finishReason };
  const [metadata, ...rest] =
    answer.toolCalls.length === 0
      ? mockTextParts([], finish)
      : mockToolCallParts(
          answer.toolCalls.map((call) => ({ ...call, arguments: pieces(call.arguments, 7) })),
          finish,
        );
  const reasoning = pieces(answer.reasoning, 9).map(
    (delta): LanguageModelStreamPart => ({ type: 'reasoning-delta', delta }),
  );
  const text = pieces(answer.text, 5).map(
    (delta): LanguageModelStreamPart => ({ type: 'text-delta', delta }),
  );
  return [metadata as LanguageModelStreamPart, ...reasoning, ...text, ...rest];
}

function recorded(settings: MockLanguageModelSettings, endings: MockCallOutcome[]): Replay {
  const model = new MockLanguageModel(settings);
  return {
    model,
    upstreamClosed: async () => {
      const call = model.lastCall;
      await call?.whenEnded;
      expect(endings).toContain(call?.outcome);
    },
    close: async () => undefined,
  };
}

describeLanguageModelConformance('mock', {
  scenarios: [
    'text',
    'one-tool-call',
    'parallel-tool-calls',
    'text-then-tool-call',
    'reasoning-then-text',
    'json-mode',
  ],
  replay: async (scenario) =>
    recorded({ stream: scriptedParts(CONFORMANCE_SCENARIOS[scenario]) }, ['completed']),
  hanging: async () => recorded({ hangAfterParts: 1 }, ['aborted', 'closed-early']),
  failures: {
    'mid-stream-error': async () =>
      recorded(
        {
          throwMidStream: {
            afterParts: 2,
            error: new ProviderError({
              code: 'SLUICE_ERR_UPSTREAM_ERROR',
              message: 'The upstream reported an error mid-stream (overloaded_error)',
              retryable: true,
            }),
          },
        },
        ['threw'],
      ),
  },
});
