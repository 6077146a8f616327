/**
 * The answer as a generation's log holds it: the text, the reasoning and the completed tool
 * calls, in order. What clients received is exactly this, so the finalizer compares it
 * with what the producer assembled, and readers of a running generation see it.
 */
import type { GenerationEvent, ToolCall } from '@sluice/protocol';
import type { StreamStore } from '../store/stream-store.ts';

export interface LogContent {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

const decoder = new TextDecoder();

export async function readLogContent(store: StreamStore, path: string): Promise<LogContent> {
  const content: LogContent = { text: '', reasoning: '', toolCalls: [] };
  let offset = '-1';
  for (;;) {
    const batch = await store.read(path, { offset });
    for (const message of batch.messages) {
      const event = JSON.parse(decoder.decode(message.data)) as GenerationEvent;
      if (event.type === 'text-delta') content.text += event.delta;
      else if (event.type === 'reasoning-delta') content.reasoning += event.delta;
      else if (event.type === 'tool-call-end') {
        content.toolCalls.push({
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          arguments: event.arguments,
        });
      }
    }
    if (batch.upToDate || batch.messages.length === 0) return content;
    offset = batch.nextOffset;
  }
}
