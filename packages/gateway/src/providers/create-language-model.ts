/**
 * Builds a `LanguageModel` from one resolved model config entry (API key already read from
 * the environment by the config layer). The only place that knows every provider kind.
 * Configuration mistakes throw `ModelConfigError` here, at startup, not on the first request.
 */
import { createAnthropic } from './anthropic/anthropic-provider.ts';
import type { LanguageModel } from './language-model.ts';
import { ModelConfigError } from './model-config-error.ts';
import { createOpenAICompatible } from './openai-compatible/openai-compatible-provider.ts';
import { createSimulator } from './simulator/simulator-provider.ts';

export interface LanguageModelConfig {
  /** The public model name clients ask for. */
  name: string;
  provider: 'simulator' | 'openai-compatible' | 'anthropic';
  /** API root with version segment (`…/v1`); required for `openai-compatible`. */
  baseUrl?: string;
  apiKey?: string;
  /** The model id sent upstream; defaults to `name`. */
  upstreamModel?: string;
  /** Connect timeout and longest silence mid-body for the upstream HTTP connection. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

function httpSettings(config: LanguageModelConfig) {
  return {
    ...(config.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: config.connectTimeoutMs }),
    ...(config.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.idleTimeoutMs }),
  };
}

export function createLanguageModel(config: LanguageModelConfig): LanguageModel {
  const modelId = config.upstreamModel ?? config.name;
  switch (config.provider) {
    case 'simulator':
      return createSimulator({ modelId: config.upstreamModel ?? 'simulator' });
    case 'openai-compatible': {
      if (config.baseUrl === undefined || config.baseUrl.trim() === '') {
        throw new ModelConfigError(
          config.name,
          `Model "${config.name}" (openai-compatible) needs a baseUrl, such as ` +
            'https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
        );
      }
      return createOpenAICompatible({
        baseUrl: checkedBaseUrl(config.name, config.baseUrl),
        modelId,
        ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
        ...httpSettings(config),
      });
    }
    case 'anthropic':
      return createAnthropic({
        modelId,
        ...(config.baseUrl === undefined
          ? {}
          : { baseUrl: checkedBaseUrl(config.name, config.baseUrl) }),
        ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
        ...httpSettings(config),
      });
    default: {
      const provider: never = config.provider;
      throw new ModelConfigError(
        config.name,
        `Model "${config.name}" has an unknown provider "${String(provider)}"`,
      );
    }
  }
}

function checkedBaseUrl(modelName: string, baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ModelConfigError(modelName, `Model "${modelName}" has a baseUrl that is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelConfigError(modelName, `Model "${modelName}" needs an http(s) baseUrl`);
  }
  // Credentials in the URL would end up in logs and error causes; keys belong in apiKey.
  if (url.username !== '' || url.password !== '') {
    throw new ModelConfigError(
      modelName,
      `Model "${modelName}" has credentials in its baseUrl; use apiKey instead`,
    );
  }
  return baseUrl;
}
