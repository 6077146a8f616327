/**
 * Builds a Chat Completions streaming body (the SSE text an OpenAI-compatible upstream
 * sends) from a list of deltas, in OpenAI's documented chunk shapes: content, reasoning
 * (`reasoning_content`), and tool calls (id, type and name in a call's first delta, argument
 * fragments after). For end-to-end tests that replay it through a loopback server.
 */

export type UpstreamDelta =
  | { content: string }
  | { reasoning: string }
  | { toolCall: { index: number; id?: string; name?: string; arguments: string } };

export function openAiSseBody(
  deltas: readonly UpstreamDelta[],
  finishReason: 'stop' | 'tool_calls' | 'length' = 'stop',
): string {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-e2e',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'upstream-model',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  let body = chunk({ role: 'assistant', content: '' }, null);
  for (const delta of deltas) {
    if ('content' in delta) body += chunk({ content: delta.content }, null);
    else if ('reasoning' in delta) body += chunk({ reasoning_content: delta.reasoning }, null);
    else {
      const { index, id, name, arguments: fragment } = delta.toolCall;
      const call: Record<string, unknown> = { index, function: { arguments: fragment } };
      if (id !== undefined) {
        call.id = id;
        call.type = 'function';
        call.function = { name, arguments: fragment };
      }
      body += chunk({ tool_calls: [call] }, null);
    }
  }
  body += chunk({}, finishReason);
  return `${body}data: [DONE]\n\n`;
}

/** Cuts a string into pieces of at most `size` characters. */
export function fragments(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size)
    pieces.push(text.slice(start, start + size));
  return pieces;
}
