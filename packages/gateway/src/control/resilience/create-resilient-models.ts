/**
 * Wraps a set of named models (the model registry's) in `ResilientLanguageModel`s, so the
 * gateway turns on retries, fallbacks, timeouts and circuit breakers in one place. There is
 * one breaker per upstream model, shared by every chain that uses it: when `gpt` is down,
 * both `gpt` and any model falling back to `gpt` skip it. A chain is the model followed by its
 * own `fallbacks`; fallbacks of fallbacks are not followed, so chains stay short and obvious.
 * Mistakes (unknown, repeated or self-referencing fallbacks) throw `ModelConfigError` at
 * startup.
 */
import type { LanguageModel } from '../../providers/language-model.ts';
import { ModelConfigError } from '../../providers/model-config-error.ts';
import {
  CircuitBreaker,
  type CircuitBreakerSnapshot,
  type CircuitStateListener,
} from './circuit-breaker.ts';
import { type Scheduler, systemScheduler } from './clock.ts';
import { defaultContinuation, type ModelResilienceSettings } from './resilience-settings.ts';
import {
  type ResilienceEvent,
  type ResilientChainLink,
  ResilientLanguageModel,
} from './resilient-language-model.ts';

export interface ResilientModelInput {
  /** The public model name. */
  name: string;
  model: LanguageModel;
  resilience?: ModelResilienceSettings | undefined;
}

export interface CreateResilientModelsOptions {
  scheduler?: Scheduler;
  random?: () => number;
  /** Every breaker's state changes, for metrics and logs. */
  onStateChange?: CircuitStateListener;
  /** Retries, skips and switches of every model, for metrics and logs. */
  onEvent?: (model: string, event: ResilienceEvent) => void;
}

export interface ResilientModels {
  /** The wrapped models by public name, in input order. */
  models: Map<string, LanguageModel>;
  /** One breaker per upstream model, by public name. */
  breakers: Map<string, CircuitBreaker>;
  /** Every breaker's snapshot, for `/readyz` details and metrics. */
  snapshot(): CircuitBreakerSnapshot[];
}

export function createResilientModels(
  inputs: Iterable<ResilientModelInput>,
  options: CreateResilientModelsOptions = {},
): ResilientModels {
  const scheduler = options.scheduler ?? systemScheduler;
  const entries = new Map<string, ResilientModelInput>();
  for (const input of inputs) entries.set(input.name, input);

  const links = new Map<string, ResilientChainLink>();
  const breakers = new Map<string, CircuitBreaker>();
  for (const entry of entries.values()) {
    const breaker = new CircuitBreaker(entry.name, {
      ...entry.resilience?.circuitBreaker,
      now: () => scheduler.now(),
    });
    if (options.onStateChange !== undefined) breaker.onStateChange(options.onStateChange);
    breakers.set(entry.name, breaker);
    const { retry, timeouts } = entry.resilience ?? {};
    links.set(entry.name, {
      name: entry.name,
      model: entry.model,
      breaker,
      continuation: entry.resilience?.continuation ?? defaultContinuation(entry.model.provider),
      ...(retry === undefined ? {} : { retry }),
      ...(timeouts === undefined
        ? {}
        : { timeouts: { firstTokenMs: timeouts.firstTokenMs, tokenGapMs: timeouts.tokenGapMs } }),
    });
  }

  const models = new Map<string, LanguageModel>();
  for (const entry of entries.values()) {
    const chain = chainFor(entry, links);
    const onEvent = options.onEvent;
    models.set(
      entry.name,
      new ResilientLanguageModel({
        chain,
        scheduler,
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(onEvent === undefined ? {} : { onEvent: (event) => onEvent(entry.name, event) }),
      }),
    );
  }
  return {
    models,
    breakers,
    snapshot: () => [...breakers.values()].map((breaker) => breaker.snapshot()),
  };
}

function chainFor(
  entry: ResilientModelInput,
  links: ReadonlyMap<string, ResilientChainLink>,
): [ResilientChainLink, ...ResilientChainLink[]] {
  const primary = links.get(entry.name) as ResilientChainLink;
  const chain: [ResilientChainLink, ...ResilientChainLink[]] = [primary];
  const seen = new Set([entry.name]);
  for (const fallback of entry.resilience?.fallbacks ?? []) {
    const link = links.get(fallback);
    if (link === undefined) {
      throw new ModelConfigError(
        entry.name,
        `Model "${entry.name}" falls back to "${fallback}", which is not a configured model`,
      );
    }
    if (seen.has(fallback)) {
      throw new ModelConfigError(
        entry.name,
        `Model "${entry.name}" lists "${fallback}" twice in its chain (itself or a repeated fallback)`,
      );
    }
    seen.add(fallback);
    chain.push(link);
  }
  return chain;
}
