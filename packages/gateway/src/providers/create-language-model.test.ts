import { describe, expect, it } from 'vitest';
import {
  AnthropicChatModel,
  createLanguageModel,
  ModelConfigError,
  OpenAICompatibleChatModel,
  SimulatorChatModel,
} from './index.ts';

describe('createLanguageModel', () => {
  it('builds the simulator', () => {
    const model = createLanguageModel({ name: 'simulator', provider: 'simulator' });
    expect(model).toBeInstanceOf(SimulatorChatModel);
    expect(model).toMatchObject({ provider: 'simulator', modelId: 'simulator' });
  });

  it('builds an openai-compatible model with the upstream model id', () => {
    const model = createLanguageModel({
      name: 'fast',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
      upstreamModel: 'llama3.2',
    });
    expect(model).toBeInstanceOf(OpenAICompatibleChatModel);
    expect(model).toMatchObject({ provider: 'openai-compatible', modelId: 'llama3.2' });
  });

  it('defaults the upstream model id to the public name', () => {
    const model = createLanguageModel({
      name: 'claude-sonnet-4-5',
      provider: 'anthropic',
      apiKey: 'k',
    });
    expect(model).toBeInstanceOf(AnthropicChatModel);
    expect(model.modelId).toBe('claude-sonnet-4-5');
  });

  it('builds models on the v2 contract', () => {
    const models = [
      createLanguageModel({ name: 'simulator', provider: 'simulator' }),
      createLanguageModel({
        name: 'local',
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
      }),
      createLanguageModel({ name: 'claude', provider: 'anthropic', apiKey: 'k' }),
    ];
    for (const model of models) {
      expect(model.specificationVersion).toBe('sluice-v2');
      expect(model.unsupportedOptions({ messages: [{ role: 'user', content: 'Hi' }] })).toEqual([]);
    }
  });

  it('explains a missing baseUrl', () => {
    const attempt = () => createLanguageModel({ name: 'local', provider: 'openai-compatible' });
    expect(attempt).toThrow(ModelConfigError);
    expect(attempt).toThrow(/"local".*needs a baseUrl/);
    try {
      attempt();
    } catch (error) {
      expect(ModelConfigError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ retryable: false, modelName: 'local' });
    }
  });

  it('rejects a baseUrl that is not an http(s) URL or carries credentials', () => {
    for (const baseUrl of [
      'not a url',
      'ftp://example.com/v1',
      'https://user:secret@example.com/v1',
    ]) {
      expect(() =>
        createLanguageModel({ name: 'bad', provider: 'openai-compatible', baseUrl }),
      ).toThrow(ModelConfigError);
    }
    expect(() =>
      createLanguageModel({
        name: 'bad',
        provider: 'openai-compatible',
        baseUrl: 'https://user:secret@example.com/v1',
      }),
    ).not.toThrow(/secret/);
  });
});
