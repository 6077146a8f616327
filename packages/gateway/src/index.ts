/**
 * `@sluice/gateway` for embedders: run the gateway inside your own process. Load or
 * validate a config, build the gateway (`buildGateway`, then `gateway.app.listen()`), and
 * plug in your own models through the `LanguageModel` contract (`createModel`) or your own
 * stream log through `StreamStore`. `sluice serve` is this, plus signals and logging.
 *
 * The mock model is here too, so an embedder's tests can drive the gateway without an
 * upstream, as ours do.
 */

export type { ModelEntry, SluiceConfig } from './config/config-schema.ts';
export {
  ConfigError,
  type LoadConfigOptions,
  loadConfig,
  parseConfig,
} from './config/load-config.ts';
export type { LanguageModelFactory, ResolvedModelEntry } from './generation/model-registry.ts';
export { buildGateway, type Gateway, type GatewayOptions } from './http/app.ts';
export { createAnthropic } from './providers/anthropic/anthropic-provider.ts';
export {
  createLanguageModel,
  type LanguageModelConfig,
} from './providers/create-language-model.ts';
export * from './providers/language-model.ts';
export {
  type MockCallOutcome,
  MockLanguageModel,
  MockLanguageModelCall,
  type MockLanguageModelSettings,
  type MockStreamSource,
  type MockToolCall,
  mockTextParts,
  mockToolCallParts,
} from './providers/mock-language-model.ts';
export { createOpenAICompatible } from './providers/openai-compatible/openai-compatible-provider.ts';
export { createSimulator } from './providers/simulator/simulator-provider.ts';
export { MemoryStreamStore, type MemoryStreamStoreOptions } from './store/memory-stream-store.ts';
export * from './store/stream-store.ts';
