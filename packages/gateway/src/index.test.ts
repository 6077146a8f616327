/**
 * The package's public face as an embedder meets it: imported by its name, it builds a
 * gateway from a parsed config around a model of the embedder's own (here the mock).
 */
import {
  buildGateway,
  ConfigError,
  type LanguageModel,
  MockLanguageModel,
  mockTextParts,
  parseConfig,
} from '@sluice/gateway';
import { describe, expect, test } from 'vitest';

describe('@sluice/gateway', () => {
  test('builds a gateway that answers from an embedded LanguageModel', async () => {
    const model: LanguageModel = new MockLanguageModel({ stream: mockTextParts(['Hi', '!']) });
    const gateway = await buildGateway({
      config: parseConfig({
        dataDir: ':memory:',
        models: [{ name: 'mine', provider: 'openai-compatible', baseUrl: 'http://unused' }],
      }),
      createModel: () => model,
    });
    try {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: 'mine', messages: [{ role: 'user', content: 'hello' }] },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().choices[0].message.content).toBe('Hi!');
    } finally {
      await gateway.app.close();
    }
  });

  test('parseConfig names the bad value', () => {
    expect(() => parseConfig({ port: 'seventy' })).toThrow(ConfigError);
  });
});
