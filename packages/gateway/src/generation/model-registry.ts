/**
 * The configured models by public name. The built-in `simulator` is present unless
 * disabled (by its entry, or by default where keys are required); an entry of the same
 * name with the simulator provider adjusts it. A model's `maxTokens` cap travels with it.
 * API keys named by `apiKeyEnv`
 * are resolved here, once, and never logged. Every model is wrapped for resilience:
 * retries and fallbacks before the first token, continuation on a fallback mid-stream,
 * timeouts and a circuit breaker per upstream.
 */
import { createHash } from 'node:crypto';
import { type ModelEntry, SIMULATOR_MAX_TOKENS } from '../config/config-schema.ts';
import type {
  CircuitBreakerSnapshot,
  CircuitStateListener,
} from '../control/resilience/circuit-breaker.ts';
import { createResilientModels } from '../control/resilience/create-resilient-models.ts';
import type { ModelResilienceSettings } from '../control/resilience/resilience-settings.ts';
import type { ResilienceEvent } from '../control/resilience/resilient-language-model.ts';
import type { LanguageModel } from '../providers/language-model.ts';

export interface ResolvedModelEntry {
  name: string;
  provider: ModelEntry['provider'];
  baseUrl?: string;
  apiKey?: string;
  upstreamModel?: string;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export type LanguageModelFactory = (entry: ResolvedModelEntry) => LanguageModel;

export interface RegisteredModel {
  name: string;
  provider: string;
  model: LanguageModel;
  /** Changes whenever the entry's settings change; API keys are not part of it. */
  configurationVersion: string;
  /** Most output tokens one request may ask for; absent, the upstream's own limit. */
  maxTokens?: number;
}

export interface ModelRegistryOptions {
  env?: NodeJS.ProcessEnv;
  /** Default longest silence mid-body on upstream connections. */
  upstreamIdleTimeoutMs?: number;
  onCircuitStateChange?: CircuitStateListener;
  onResilienceEvent?: (model: string, event: ResilienceEvent) => void;
  /** Whether the built-in simulator serves when no entry says. Default true. */
  simulatorEnabledByDefault?: boolean;
}

/**
 * The simulator's faults are asked for by the request, not signs of a sick upstream:
 * no retries, and a breaker that does not trip on them.
 */
export const BUILT_IN_SIMULATOR: ModelEntry = {
  name: 'simulator',
  provider: 'simulator',
  retry: { attempts: 1 },
  circuitBreaker: { failureThreshold: Number.MAX_SAFE_INTEGER },
  maxTokens: SIMULATOR_MAX_TOKENS,
};

export class ModelRegistry {
  readonly #models = new Map<string, RegisteredModel>();
  readonly #snapshot: () => CircuitBreakerSnapshot[];

  constructor(
    entries: readonly ModelEntry[],
    createModel: LanguageModelFactory,
    options: ModelRegistryOptions = {},
  ) {
    const env = options.env ?? process.env;
    const byName = new Map<string, ModelEntry>([
      [
        BUILT_IN_SIMULATOR.name,
        { ...BUILT_IN_SIMULATOR, enabled: options.simulatorEnabledByDefault ?? true },
      ],
    ]);
    for (const entry of entries) {
      const builtIn = byName.get(entry.name);
      // An entry for the built-in simulator adjusts it; any other entry replaces.
      const adjusts = builtIn?.provider === 'simulator' && entry.provider === 'simulator';
      byName.set(entry.name, adjusts ? { ...builtIn, ...definedFields(entry) } : entry);
    }
    const enabled = [...byName.values()].filter((entry) => entry.enabled !== false);
    const bare = enabled.map((entry) => ({
      entry,
      model: createModel(resolveEntry(entry, env, options.upstreamIdleTimeoutMs)),
    }));
    const resilient = createResilientModels(
      bare.map(({ entry, model }) => ({
        name: entry.name,
        model,
        resilience: resilienceOf(entry),
      })),
      {
        ...(options.onCircuitStateChange ? { onStateChange: options.onCircuitStateChange } : {}),
        ...(options.onResilienceEvent ? { onEvent: options.onResilienceEvent } : {}),
      },
    );
    this.#snapshot = () => resilient.snapshot();
    for (const { entry, model } of bare) {
      this.#models.set(entry.name, {
        name: entry.name,
        provider: entry.provider,
        model: resilient.models.get(entry.name) ?? model,
        configurationVersion: configurationVersion(entry),
        ...(entry.maxTokens === undefined ? {} : { maxTokens: entry.maxTokens }),
      });
    }
  }

  get(name: string): RegisteredModel | undefined {
    return this.#models.get(name);
  }

  list(): RegisteredModel[] {
    return [...this.#models.values()];
  }

  /** Circuit breaker state per upstream, for `/readyz`. */
  circuits(): CircuitBreakerSnapshot[] {
    return this.#snapshot();
  }
}

function resilienceOf(entry: ModelEntry): ModelResilienceSettings {
  const settings: ModelResilienceSettings = {};
  if (entry.fallbacks) settings.fallbacks = entry.fallbacks;
  if (entry.retry) settings.retry = withoutUndefined(entry.retry);
  if (entry.timeouts) settings.timeouts = withoutUndefined(entry.timeouts);
  if (entry.circuitBreaker) settings.circuitBreaker = withoutUndefined(entry.circuitBreaker);
  if (entry.continuation) settings.continuation = entry.continuation;
  return settings;
}

function withoutUndefined<T extends object>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function definedFields(entry: ModelEntry): Partial<ModelEntry> {
  return Object.fromEntries(
    Object.entries(entry).filter(([, value]) => value !== undefined),
  ) as Partial<ModelEntry>;
}

function configurationVersion(entry: ModelEntry): string {
  const { apiKey: _apiKey, apiKeyEnv: _apiKeyEnv, ...settings } = entry;
  return createHash('sha256').update(canonical(settings)).digest('hex').slice(0, 16);
}

/** JSON with sorted keys at every depth, so equal settings hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, entry]) => entry !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function resolveEntry(
  entry: ModelEntry,
  env: NodeJS.ProcessEnv,
  idleTimeoutMs: number | undefined,
): ResolvedModelEntry {
  const resolved: ResolvedModelEntry = { name: entry.name, provider: entry.provider };
  if (entry.baseUrl !== undefined) resolved.baseUrl = entry.baseUrl;
  if (entry.upstreamModel !== undefined) resolved.upstreamModel = entry.upstreamModel;
  if (entry.timeouts?.connectMs !== undefined) resolved.connectTimeoutMs = entry.timeouts.connectMs;
  if (idleTimeoutMs !== undefined) resolved.idleTimeoutMs = idleTimeoutMs;
  const apiKey = entry.apiKey ?? (entry.apiKeyEnv ? env[entry.apiKeyEnv] : undefined);
  if (apiKey) resolved.apiKey = apiKey;
  return resolved;
}
