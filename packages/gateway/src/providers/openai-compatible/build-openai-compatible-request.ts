/**
 * The Chat Completions request body for one call: the conversation, the sampling and output
 * options under OpenAI's names, then `providerOptions['openai-compatible']` merged verbatim at
 * the top level. That last step is how fields Sluice has no option for (`parallel_tool_calls`,
 * `logit_bias`, `user`, a server's own extensions) reach the upstream; it may override what
 * this file set, but never the fields the stream depends on.
 */
import type { ResponseFormat, ToolChoice, ToolDefinition } from '@sluice/protocol';
import type { LanguageModelCallOptions, UnsupportedOption } from '../language-model.ts';
import { convertToOpenAICompatibleMessages } from './convert-to-openai-compatible-messages.ts';
import type {
  OpenAICompatibleChatRequest,
  OpenAICompatibleResponseFormat,
  OpenAICompatibleTool,
  OpenAICompatibleToolChoice,
} from './openai-compatible-api-types.ts';

export const OPENAI_COMPATIBLE_PROVIDER = 'openai-compatible';

/** Fields the parser relies on: a provider option may not replace them (they are refused). */
const RESERVED_FIELDS = new Set(['model', 'messages', 'stream', 'stream_options']);

/** Provider options naming a reserved field, as unsupported options. */
export function reservedProviderOptions(options: LanguageModelCallOptions): UnsupportedOption[] {
  const passthrough = options.providerOptions?.[OPENAI_COMPATIBLE_PROVIDER] ?? {};
  return Object.keys(passthrough)
    .filter((field) => RESERVED_FIELDS.has(field))
    .map((field) => ({
      field: `providerOptions.${OPENAI_COMPATIBLE_PROVIDER}.${field}`,
      reason: 'set by the gateway',
    }));
}

export interface RequestSettings {
  modelId: string;
  maxTokensField: 'max_tokens' | 'max_completion_tokens' | 'both';
  includeUsage: boolean;
}

export function buildOpenAICompatibleRequest(
  settings: RequestSettings,
  options: LanguageModelCallOptions,
): OpenAICompatibleChatRequest {
  const request: OpenAICompatibleChatRequest = {
    model: settings.modelId,
    messages: convertToOpenAICompatibleMessages(options.messages),
    stream: true,
  };
  if (settings.includeUsage) request.stream_options = { include_usage: true };
  if (options.maxTokens !== undefined) {
    if (settings.maxTokensField !== 'max_completion_tokens') request.max_tokens = options.maxTokens;
    if (settings.maxTokensField !== 'max_tokens') {
      request.max_completion_tokens = options.maxTokens;
    }
  }
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.topP !== undefined) request.top_p = options.topP;
  if (options.stop !== undefined) request.stop = options.stop;
  if (options.seed !== undefined) request.seed = options.seed;
  if (options.reasoning !== undefined) request.reasoning_effort = options.reasoning.effort;
  if (options.tools !== undefined) request.tools = options.tools.map(convertTool);
  if (options.toolChoice !== undefined) request.tool_choice = convertToolChoice(options.toolChoice);
  if (options.responseFormat !== undefined) {
    request.response_format = convertResponseFormat(options.responseFormat);
  }
  const passthrough = options.providerOptions?.[OPENAI_COMPATIBLE_PROVIDER] ?? {};
  for (const [field, value] of Object.entries(passthrough)) {
    if (RESERVED_FIELDS.has(field)) continue; // refused by unsupportedOptions
    // Defined, not assigned: a `__proto__` key from parsed JSON must stay a plain field.
    Object.defineProperty(request, field, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return request;
}

function convertTool(tool: ToolDefinition): OpenAICompatibleTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.parameters,
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  };
}

function convertToolChoice(choice: ToolChoice): OpenAICompatibleToolChoice {
  if (typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.toolName } };
}

function convertResponseFormat(format: ResponseFormat): OpenAICompatibleResponseFormat {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.description === undefined ? {} : { description: format.description }),
          ...(format.strict === undefined ? {} : { strict: format.strict }),
        },
      };
  }
}
