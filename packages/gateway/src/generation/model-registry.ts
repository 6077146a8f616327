/**
 * The configured models by public name. The built-in `simulator` is always present
 * unless a config entry of the same name replaces it; API keys named by `apiKeyEnv`
 * are resolved here, once, and never logged.
 */
import type { ModelEntry } from '../config/config-schema.ts';
import type { LanguageModel } from '../providers/language-model.ts';

export interface ResolvedModelEntry {
  name: string;
  provider: ModelEntry['provider'];
  baseUrl?: string;
  apiKey?: string;
  upstreamModel?: string;
}

export type LanguageModelFactory = (entry: ResolvedModelEntry) => LanguageModel;

export interface RegisteredModel {
  name: string;
  provider: string;
  model: LanguageModel;
}

export const BUILT_IN_SIMULATOR: ModelEntry = { name: 'simulator', provider: 'simulator' };

export class ModelRegistry {
  readonly #models = new Map<string, RegisteredModel>();

  constructor(
    entries: readonly ModelEntry[],
    createModel: LanguageModelFactory,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const byName = new Map<string, ModelEntry>([[BUILT_IN_SIMULATOR.name, BUILT_IN_SIMULATOR]]);
    for (const entry of entries) byName.set(entry.name, entry);
    for (const entry of byName.values()) {
      const resolved = resolveEntry(entry, env);
      this.#models.set(entry.name, {
        name: entry.name,
        provider: entry.provider,
        model: createModel(resolved),
      });
    }
  }

  get(name: string): RegisteredModel | undefined {
    return this.#models.get(name);
  }

  list(): RegisteredModel[] {
    return [...this.#models.values()];
  }
}

function resolveEntry(entry: ModelEntry, env: NodeJS.ProcessEnv): ResolvedModelEntry {
  const resolved: ResolvedModelEntry = { name: entry.name, provider: entry.provider };
  if (entry.baseUrl !== undefined) resolved.baseUrl = entry.baseUrl;
  if (entry.upstreamModel !== undefined) resolved.upstreamModel = entry.upstreamModel;
  const apiKey = entry.apiKey ?? (entry.apiKeyEnv ? env[entry.apiKeyEnv] : undefined);
  if (apiKey) resolved.apiKey = apiKey;
  return resolved;
}
