/**
 * Builds a `LanguageModel` from one resolved model config entry (API key already read from
 * the environment by the config layer). The only place that knows every provider kind.
 */
import type { LanguageModel } from './language-model.ts';
import { createSimulator } from './simulator/simulator-provider.ts';

export interface LanguageModelConfig {
  /** The public model name clients ask for. */
  name: string;
  provider: 'simulator' | 'openai-compatible' | 'anthropic';
  baseUrl?: string;
  apiKey?: string;
  /** The model id sent upstream; defaults to `name`. */
  upstreamModel?: string;
}

export function createLanguageModel(config: LanguageModelConfig): LanguageModel {
  switch (config.provider) {
    case 'simulator':
      return createSimulator({ modelId: config.upstreamModel ?? 'simulator' });
    default:
      throw new Error(`Model "${config.name}": provider "${config.provider}" is not available yet`);
  }
}
