/**
 * The providers' public face: the `LanguageModel` contract, the three built-in providers,
 * the config factory, and the mock other modules test against (with builders for text and
 * tool-call answers).
 */

export { AnthropicChatModel, type AnthropicSettings } from './anthropic/anthropic-chat-model.ts';
export { createAnthropic } from './anthropic/anthropic-provider.ts';
export { createLanguageModel, type LanguageModelConfig } from './create-language-model.ts';
export * from './language-model.ts';
export { MockGate } from './mock-gate.ts';
export {
  type MockCallOutcome,
  MockLanguageModel,
  MockLanguageModelCall,
  type MockLanguageModelSettings,
  type MockStreamSource,
  type MockToolCall,
  mockTextParts,
  mockToolCallParts,
} from './mock-language-model.ts';
export { ModelConfigError } from './model-config-error.ts';
export {
  OpenAICompatibleChatModel,
  type OpenAICompatibleSettings,
} from './openai-compatible/openai-compatible-chat-model.ts';
export { createOpenAICompatible } from './openai-compatible/openai-compatible-provider.ts';
export { abortReason, isAbortError } from './shared/abort-reason.ts';
export { createDeferred, type Deferred } from './shared/deferred.ts';
export type { UpstreamHttpSettings } from './shared/upstream-http-settings.ts';
export { SimulatorChatModel, type SimulatorSettings } from './simulator/simulator-chat-model.ts';
export { createSimulator } from './simulator/simulator-provider.ts';
