/**
 * A field path of Sluice's request shape (as a model names an option it cannot carry,
 * e.g. `responseFormat` or `tools.1.strict`) as the path of the OpenAI request the caller
 * actually sent (`response_format`, `tools.1.function.strict`), so the 400 names a field
 * the caller can find.
 */

const TOP_LEVEL: Record<string, string> = {
  responseFormat: 'response_format',
  toolChoice: 'tool_choice',
  topP: 'top_p',
  reasoning: 'reasoning_effort',
};

const TOOL_CALL_FIELDS: Record<string, string> = {
  toolCallId: 'id',
  toolName: 'function.name',
  arguments: 'function.arguments',
};

/** Image fields have OpenAI names; others (data, media type) differ by part type: the part is named. */
function contentPartPath(rest: readonly string[]): string[] {
  const [partIndex, field] = rest;
  if (partIndex === undefined) return [];
  if (field === 'url' || field === 'detail') return [partIndex, 'image_url', field];
  return [partIndex];
}

function messagePath(rest: readonly string[]): string[] {
  const [index, field, ...deeper] = rest;
  if (index === undefined || field === undefined) return rest.slice();
  if (field === 'toolCallId') return [index, 'tool_call_id'];
  if (field === 'toolCalls') {
    const [callIndex, callField] = deeper;
    if (callIndex === undefined) return [index, 'tool_calls'];
    const mapped = callField === undefined ? undefined : TOOL_CALL_FIELDS[callField];
    return mapped === undefined
      ? [index, 'tool_calls', callIndex]
      : [index, 'tool_calls', callIndex, mapped];
  }
  if (field === 'content') return [index, 'content', ...contentPartPath(deeper)];
  return [index, field];
}

/**
 * `maxTokensField` is the field the caller set (`max_tokens` or `max_completion_tokens`).
 */
export function openAiFieldPath(
  sluicePath: string,
  maxTokensField: 'max_tokens' | 'max_completion_tokens' = 'max_completion_tokens',
): string {
  const [head = '', ...rest] = sluicePath.split('.');
  switch (head) {
    case 'maxTokens':
      return maxTokensField;
    case 'reasoning':
      return 'reasoning_effort';
    case 'toolChoice':
      return rest.length > 0 ? 'tool_choice.function.name' : 'tool_choice';
    case 'responseFormat':
      return ['response_format', ...(rest.length > 0 ? ['json_schema', ...rest] : [])].join('.');
    case 'tools': {
      const [index, ...field] = rest;
      if (index === undefined) return 'tools';
      return ['tools', index, ...(field.length > 0 ? ['function', ...field] : [])].join('.');
    }
    case 'messages':
      return ['messages', ...messagePath(rest)].join('.');
    case 'providerOptions':
      // Forwarded fields sit at the top level of the OpenAI request.
      return rest.slice(1).join('.') || 'body';
    default:
      return [TOP_LEVEL[head] ?? head, ...rest].join('.');
  }
}
