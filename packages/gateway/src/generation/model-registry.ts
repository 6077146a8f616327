/**
 * The configured models by public name. The built-in `simulator` is always present
 * unless a config entry of the same name replaces it; API keys named by `apiKeyEnv`
 * are resolved here, once, and never logged.
 */
import { createHash } from 'node:crypto';
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
  /** Changes whenever the entry's settings change; API keys are not part of it. */
  configurationVersion: string;
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
        configurationVersion: configurationVersion(entry),
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

function configurationVersion(entry: ModelEntry): string {
  const { apiKey: _apiKey, apiKeyEnv: _apiKeyEnv, ...settings } = entry;
  const canonical = JSON.stringify(settings, Object.keys(settings).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function resolveEntry(entry: ModelEntry, env: NodeJS.ProcessEnv): ResolvedModelEntry {
  const resolved: ResolvedModelEntry = { name: entry.name, provider: entry.provider };
  if (entry.baseUrl !== undefined) resolved.baseUrl = entry.baseUrl;
  if (entry.upstreamModel !== undefined) resolved.upstreamModel = entry.upstreamModel;
  const apiKey = entry.apiKey ?? (entry.apiKeyEnv ? env[entry.apiKeyEnv] : undefined);
  if (apiKey) resolved.apiKey = apiKey;
  return resolved;
}
