/**
 * The Messages API request body for one call, and the options it could not carry. Both come
 * from one pass, so what `unsupportedOptions` refuses is exactly what the body would drop.
 *
 * Mapping: `topP` → `top_p`, `stop` → `stop_sequences`, tools → `{ name, description,
 * input_schema, strict }`, `toolChoice` auto / none / required / { toolName } → `{ type:
 * 'auto' }` / `{ type: 'none' }` / `{ type: 'any' }` / `{ type: 'tool', name }`, `reasoning` →
 * `thinking` (see anthropic-thinking.ts), and a `json_schema` response format → `output_config:
 * { format: { type: 'json_schema', schema } }`, Anthropic's structured outputs (generally
 * available for Claude 4.5 models and later; older models answer 400, relayed as an upstream
 * error). Refused: `seed` (the API has none), `responseFormat` `json` (Anthropic constrains
 * output only to a schema), a response format `description` (no place for it), a temperature
 * above 1 (Anthropic's range is 0 to 1).
 *
 * `providerOptions.anthropic` is merged last, verbatim, so it may set fields Sluice has no
 * option for (`top_k`, `metadata`, another `thinking`) or override ours; a `model`, `messages`
 * or `stream` in it is refused, as those are what the stream depends on.
 */
import type { ResponseFormat, ToolChoice, ToolDefinition } from '@sluice/protocol';
import type { LanguageModelCallOptions, UnsupportedOption } from '../language-model.ts';
import type {
  AnthropicMessagesRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from './anthropic-api-types.ts';
import { thinkingBudget, thinkingConflicts, thinkingForEffort } from './anthropic-thinking.ts';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.ts';

export const ANTHROPIC_PROVIDER = 'anthropic';

/** Fields the gateway sets and the stream depends on: a provider option may not replace them. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(['model', 'messages', 'stream']);
const HIGHEST_TEMPERATURE = 1;

export interface AnthropicRequestSettings {
  modelId: string;
  /** `max_tokens` when the call sets none (thinking budgets come on top). */
  defaultMaxTokens: number;
}

export interface AnthropicRequest {
  body: Record<string, unknown>;
  unsupported: UnsupportedOption[];
}

export function buildAnthropicRequest(
  settings: AnthropicRequestSettings,
  options: LanguageModelCallOptions,
): AnthropicRequest {
  const unsupported: UnsupportedOption[] = [];
  const { system, messages } = convertToAnthropicMessages(options.messages, unsupported);
  const passthrough = options.providerOptions?.[ANTHROPIC_PROVIDER] ?? {};
  const thinking =
    options.reasoning === undefined ? undefined : thinkingForEffort(options.reasoning.effort);
  const budget = thinkingBudget(
    Object.hasOwn(passthrough, 'thinking') ? passthrough.thinking : thinking,
  );
  const request: AnthropicMessagesRequest = {
    model: settings.modelId,
    max_tokens: options.maxTokens ?? settings.defaultMaxTokens + (budget ?? 0),
    messages,
    stream: true,
  };
  if (system !== undefined) request.system = system;
  if (thinking !== undefined) request.thinking = thinking;
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.topP !== undefined) request.top_p = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) request.stop_sequences = options.stop;
  if (options.tools !== undefined) request.tools = options.tools.map(convertTool);
  if (options.toolChoice !== undefined) request.tool_choice = convertToolChoice(options.toolChoice);
  if (options.responseFormat !== undefined) {
    const format = convertResponseFormat(options.responseFormat, unsupported);
    if (format !== undefined) request.output_config = { format };
  }

  if (options.seed !== undefined) {
    unsupported.push({ field: 'seed', reason: 'The Messages API has no seed parameter' });
  }
  if (options.temperature !== undefined && options.temperature > HIGHEST_TEMPERATURE) {
    unsupported.push({ field: 'temperature', reason: 'Anthropic takes a temperature from 0 to 1' });
  }
  if (budget !== undefined) {
    const maxTokensFromOptions = !Object.hasOwn(passthrough, 'max_tokens');
    unsupported.push(...thinkingConflicts(options, budget, maxTokensFromOptions));
  }
  return { body: mergeProviderOptions(request, passthrough, unsupported), unsupported };
}

function convertTool(tool: ToolDefinition): AnthropicTool {
  return {
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters,
    ...(tool.strict === true ? { strict: true } : {}),
  };
}

function convertToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (typeof choice === 'object') return { type: 'tool', name: choice.toolName };
  if (choice === 'required') return { type: 'any' };
  return { type: choice };
}

function convertResponseFormat(format: ResponseFormat, unsupported: UnsupportedOption[]) {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json':
      unsupported.push({
        field: 'responseFormat',
        reason: 'Anthropic constrains output only to a JSON schema (use json_schema)',
      });
      return undefined;
    case 'json_schema':
      if (format.description !== undefined) {
        unsupported.push({
          field: 'responseFormat.description',
          reason: 'Anthropic structured outputs take a schema only',
        });
      }
      return { type: 'json_schema', schema: format.schema } as const;
  }
}

function mergeProviderOptions(
  request: AnthropicMessagesRequest,
  passthrough: Record<string, unknown>,
  unsupported: UnsupportedOption[],
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request };
  for (const [field, value] of Object.entries(passthrough)) {
    if (RESERVED_FIELDS.has(field)) {
      unsupported.push({
        field: `providerOptions.${ANTHROPIC_PROVIDER}.${field}`,
        reason: 'Set by the gateway',
      });
      continue;
    }
    // Defined, not assigned: a `__proto__` key from parsed JSON must stay a plain field.
    Object.defineProperty(body, field, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return body;
}
