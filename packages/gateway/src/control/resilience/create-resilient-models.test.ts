import { describe, expect, it } from 'vitest';
import { type LanguageModel, ProviderError } from '../../providers/language-model.ts';
import { MockLanguageModel, mockTextParts } from '../../providers/mock-language-model.ts';
import { ModelConfigError } from '../../providers/model-config-error.ts';
import { collectStream } from '../../providers/testing/collect-stream.ts';
import type { CircuitStateChange } from './circuit-breaker.ts';
import { createResilientModels } from './create-resilient-models.ts';
import { ManualScheduler } from './manual-scheduler.ts';

const messages = [{ role: 'user' as const, content: 'Hi' }];

function unavailable(): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
    message: 'The upstream is unreachable (ECONNREFUSED)',
    retryable: true,
  });
}

async function answer(model: LanguageModel | undefined) {
  if (model === undefined) throw new Error('model missing');
  return collectStream((await model.doStream({ messages })).stream);
}

async function* failingAfter(delta: string) {
  yield { type: 'text-delta' as const, delta };
  throw unavailable();
}

describe('createResilientModels', () => {
  it('wraps every model and follows each model’s own fallbacks', async () => {
    const primary = new MockLanguageModel({ rejectWith: unavailable() });
    const spare = new MockLanguageModel({ stream: mockTextParts(['spare']) });
    const { models } = createResilientModels(
      [
        {
          name: 'primary',
          model: primary,
          resilience: { fallbacks: ['spare'], retry: { attempts: 1 } },
        },
        { name: 'spare', model: spare },
      ],
      { scheduler: new ManualScheduler() },
    );
    expect([...models.keys()]).toEqual(['primary', 'spare']);
    const collected = await answer(models.get('primary'));
    expect(collected.text).toBe('spare');
    expect(models.get('primary')?.provider).toBe('mock');
  });

  it('shares one breaker per upstream between every chain that uses it', async () => {
    const shaky = new MockLanguageModel({ rejectWith: unavailable() });
    const steady = new MockLanguageModel({ stream: mockTextParts(['steady']) });
    const front = new MockLanguageModel({ rejectWith: unavailable() });
    const changes: CircuitStateChange[] = [];
    const { models, breakers, snapshot } = createResilientModels(
      [
        {
          name: 'shaky',
          model: shaky,
          resilience: { retry: { attempts: 1 }, circuitBreaker: { failureThreshold: 1 } },
        },
        { name: 'steady', model: steady },
        {
          name: 'front',
          model: front,
          resilience: { fallbacks: ['shaky', 'steady'], retry: { attempts: 1 } },
        },
      ],
      { scheduler: new ManualScheduler(), onStateChange: (change) => changes.push(change) },
    );
    await answer(models.get('shaky')).catch(() => undefined);
    expect(breakers.get('shaky')?.state).toBe('open');
    expect(changes).toEqual([{ name: 'shaky', from: 'closed', to: 'open' }]);

    // `front` fails, skips `shaky` (its shared breaker is open) and lands on `steady`.
    expect((await answer(models.get('front'))).text).toBe('steady');
    expect(shaky.calls).toHaveLength(1);
    expect(snapshot().map((entry) => [entry.name, entry.state])).toEqual([
      ['shaky', 'open'],
      ['steady', 'closed'],
      ['front', 'closed'],
    ]);
  });

  it('continues mid-stream on prefix-capable providers by default, not on others', async () => {
    const build = (fallbackProvider: string) =>
      createResilientModels(
        [
          {
            name: 'primary',
            model: new MockLanguageModel({ stream: () => failingAfter('Part') }),
            resilience: { fallbacks: ['fallback'], retry: { attempts: 1 } },
          },
          {
            name: 'fallback',
            model: new MockLanguageModel({
              provider: fallbackProvider,
              stream: mockTextParts([' two']),
            }),
          },
        ],
        { scheduler: new ManualScheduler() },
      ).models.get('primary');
    const capable = build('openai-compatible');
    const continued = await answer(capable);
    expect(continued.text).toBe('Part two');
    const incapable = build('simulator');
    const ended = await answer(incapable);
    expect(ended.text).toBe('Part');
    expect(ProviderError.isInstance(ended.error)).toBe(true);
  });

  it('rejects unknown, repeated and self-referencing fallbacks at startup', () => {
    const model = new MockLanguageModel();
    const attempt = (fallbacks: string[]) => () =>
      createResilientModels([
        { name: 'a', model, resilience: { fallbacks } },
        { name: 'b', model },
      ]);
    for (const fallbacks of [['missing'], ['b', 'b'], ['a']]) {
      let caught: unknown;
      try {
        attempt(fallbacks)();
      } catch (error) {
        caught = error;
      }
      expect(ModelConfigError.isInstance(caught)).toBe(true);
      expect((caught as ModelConfigError).modelName).toBe('a');
    }
  });
});
