/**
 * A validated OpenAI Chat Completions request as Sluice's generation request. Fields
 * Sluice does not interpret (`parallel_tool_calls`, `logit_bias`, `frequency_penalty`,
 * `metadata`, `store`, `service_tier`, …) reach an OpenAI-compatible upstream unchanged
 * through `providerOptions['openai-compatible']`; for a model of any other provider they
 * are refused, naming the field and the provider, since that upstream would not understand
 * them and dropping them would change the answer behind the caller's back. The simulator, a
 * stand-in that accepts and ignores every option, takes them too.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { GenerationRequest } from '../../generation/generation.ts';
import { compact, toSimulatorOptions } from '../request-schemas.ts';
import { chatMessagesFromOpenAi } from './chat-completion-messages.ts';
import { type ChatCompletionRequest, INTERPRETED_FIELDS } from './chat-completion-request.ts';
import {
  responseFormatFromOpenAi,
  toolChoiceFromOpenAi,
  toolDefinitionsFromOpenAi,
} from './chat-completion-tools.ts';
import { ON_DISCONNECT_HEADER, onDisconnectFromOpenAi } from './openai-on-disconnect.ts';
import { unsupportedFieldError } from './unsupported-field.ts';

/** The provider kind whose upstreams speak this very API. */
export const OPENAI_COMPATIBLE = 'openai-compatible';

/** Provider kinds that take fields Sluice does not translate. */
const TAKES_UNTRANSLATED_FIELDS: ReadonlySet<string> = new Set([OPENAI_COMPATIBLE, 'simulator']);

/** Interpreted by Sluice and also meaningful to an OpenAI upstream, so forwarded as well. */
const ALSO_FORWARDED = ['user'];

/**
 * The request's fields for the upstream itself. `provider` undefined (an unknown model,
 * answered 404 later) forwards nothing and refuses nothing.
 */
function forwardedFields(
  body: ChatCompletionRequest,
  provider: string | undefined,
): Record<string, unknown> | undefined {
  const forwarded: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    // Null is how OpenAI clients say "not set".
    if (value === null || value === undefined) continue;
    if (INTERPRETED_FIELDS.has(field) && !ALSO_FORWARDED.includes(field)) continue;
    if (provider !== undefined && TAKES_UNTRANSLATED_FIELDS.has(provider)) {
      forwarded[field] = value;
    } else if (provider !== undefined && !ALSO_FORWARDED.includes(field)) {
      throw unsupportedFieldError(
        field,
        'only OpenAI-compatible upstreams receive fields Sluice does not translate',
        provider,
      );
    }
  }
  return Object.keys(forwarded).length > 0 ? forwarded : undefined;
}

/**
 * `headers` are the request's, for the Sluice options a client may give there instead of
 * in the body (`Sluice-On-Disconnect`).
 */
export function generationRequestFromOpenAi(
  body: ChatCompletionRequest,
  provider: string | undefined,
  headers: IncomingHttpHeaders = {},
): GenerationRequest {
  const request: GenerationRequest = {
    model: body.model,
    messages: chatMessagesFromOpenAi(body.messages),
    route: '/v1/chat/completions',
    onDisconnect: onDisconnectFromOpenAi(body.onDisconnect, headers[ON_DISCONNECT_HEADER]),
    ...compact({
      sessionId: body.sessionId,
      endUserId: body.user,
      maxTokens: body.max_completion_tokens ?? body.max_tokens,
      temperature: body.temperature,
      topP: body.top_p,
      seed: body.seed,
    }),
  };
  if (body.tools != null && body.tools.length > 0) {
    request.tools = toolDefinitionsFromOpenAi(body.tools);
  }
  if (body.tool_choice != null) request.toolChoice = toolChoiceFromOpenAi(body.tool_choice);
  const responseFormat = body.response_format && responseFormatFromOpenAi(body.response_format);
  if (responseFormat) request.responseFormat = responseFormat;
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.reasoning_effort != null) request.reasoning = { effort: body.reasoning_effort };
  const forwarded = forwardedFields(body, provider);
  if (forwarded) request.providerOptions = { [OPENAI_COMPATIBLE]: forwarded };
  const simulator = toSimulatorOptions(body.simulator);
  if (simulator) request.simulator = simulator;
  return request;
}
