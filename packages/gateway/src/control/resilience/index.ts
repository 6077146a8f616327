/**
 * Upstream resilience, the public face: the `ResilientLanguageModel` decorator, the factory
 * that wraps a model registry, circuit breakers, and the settings with their defaults.
 */

export { type BackoffPolicy, backoffDelay } from './backoff.ts';
export {
  CircuitBreaker,
  type CircuitBreakerSettings,
  type CircuitBreakerSnapshot,
  type CircuitPermit,
  type CircuitState,
  type CircuitStateChange,
  type CircuitStateListener,
} from './circuit-breaker.ts';
export { classifyFailure, type FailureKind } from './classify-failure.ts';
export { type ScheduledTimer, type Scheduler, systemScheduler } from './clock.ts';
export {
  type CreateResilientModelsOptions,
  createResilientModels,
  type ResilientModelInput,
  type ResilientModels,
} from './create-resilient-models.ts';
export { ManualScheduler } from './manual-scheduler.ts';
export { CircuitOpenError } from './resilience-errors.ts';
export {
  type ContinuationSupport,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUTS,
  type ModelResilienceSettings,
  type ResilienceTimeouts,
  type RetryPolicy,
} from './resilience-settings.ts';
export {
  type ResilienceEvent,
  type ResilientChainLink,
  ResilientLanguageModel,
  type ResilientLanguageModelSettings,
} from './resilient-language-model.ts';
