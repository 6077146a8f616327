/**
 * The OpenTelemetry GenAI semantic-convention names Sluice emits, in one place, so
 * spans and metrics spell them the same way. Only attributes about the call are used:
 * prompt and completion content is never recorded.
 */

export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ERROR_TYPE = 'error.type';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';

/** Sluice generations are chat completions. */
export const CHAT_OPERATION = 'chat';

/**
 * The `gen_ai.provider.name` for a Sluice provider: the convention's well-known value
 * where one applies (the OpenAI-compatible provider speaks the `openai` flavour; the
 * attribute names the telemetry flavour, not who hosts the model).
 */
export function genAiProviderName(provider: string): string {
  if (provider === 'openai-compatible') return 'openai';
  if (provider === 'simulator') return 'sluice.simulator';
  return provider;
}
