/**
 * The answer as a generation's log holds it: the text, the reasoning and the completed tool
 * calls, in order. What clients received is exactly this, so readers of a running
 * generation see it, and a node taking a generation over rebuilds the released content
 * from it (`cluster/producer-takeover.ts`).
 */
import type { GenerationEvent, ToolCall } from '@sluice/protocol';
import type { StreamStore } from '../store/stream-store.ts';

export interface LogContent {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

const decoder = new TextDecoder();

/**
 * Calls `visit` with every event of the log, in order, up to its current tail. Resolves
 * with whether the log is closed (nothing more will come).
 */
export async function forEachLogEvent(
  store: StreamStore,
  path: string,
  visit: (event: GenerationEvent) => void,
): Promise<{ closed: boolean }> {
  let offset = '-1';
  for (;;) {
    const batch = await store.read(path, { offset });
    for (const message of batch.messages) {
      visit(JSON.parse(decoder.decode(message.data)) as GenerationEvent);
    }
    if (batch.upToDate || batch.messages.length === 0) return { closed: batch.closed };
    offset = batch.nextOffset;
  }
}

export async function readLogContent(store: StreamStore, path: string): Promise<LogContent> {
  const content: LogContent = { text: '', reasoning: '', toolCalls: [] };
  await forEachLogEvent(store, path, (event) => {
    if (event.type === 'text-delta') content.text += event.delta;
    else if (event.type === 'reasoning-delta') content.reasoning += event.delta;
    else if (event.type === 'tool-call-end') {
      content.toolCalls.push({
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        arguments: event.arguments,
      });
    }
  });
  return content;
}
