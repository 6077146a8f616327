/**
 * The answers every provider's wire fixtures encode, so one conformance suite can check
 * every provider against the same expectations. A provider's fixture for a scenario is
 * written from that provider's documented streaming format and must parse to exactly this.
 */
import type { ProviderFinishReason } from '../language-model.ts';

export interface ExpectedToolCall {
  index: number;
  toolCallId: string;
  toolName: string;
  /** The whole JSON arguments string, as the deltas concatenate. */
  arguments: string;
}

export interface ExpectedAnswer {
  text: string;
  reasoning: string;
  toolCalls: ExpectedToolCall[];
  finishReason: ProviderFinishReason;
}

export const CONFORMANCE_SCENARIOS = {
  /** Plain text with multi-byte characters, finish `stop`. */
  text: {
    text: 'Hello from the café 🌊!',
    reasoning: '',
    toolCalls: [],
    finishReason: 'stop',
  },
  /** One tool call, arguments in several fragments, finish `tool-calls`. */
  'one-tool-call': {
    text: '',
    reasoning: '',
    toolCalls: [
      {
        index: 0,
        toolCallId: 'call_weather_01',
        toolName: 'get_weather',
        arguments: '{"city":"Paris","unit":"celsius"}',
      },
    ],
    finishReason: 'tool-calls',
  },
  /** Two calls in one turn (OpenAI interleaves their argument fragments). */
  'parallel-tool-calls': {
    text: '',
    reasoning: '',
    toolCalls: [
      {
        index: 0,
        toolCallId: 'call_weather_01',
        toolName: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      {
        index: 1,
        toolCallId: 'call_time_02',
        toolName: 'get_time',
        arguments: '{"timezone":"Europe/Paris"}',
      },
    ],
    finishReason: 'tool-calls',
  },
  /** Text, then a tool call in the same turn. */
  'text-then-tool-call': {
    text: 'Let me check the weather.',
    reasoning: '',
    toolCalls: [
      {
        index: 0,
        toolCallId: 'call_weather_01',
        toolName: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
    ],
    finishReason: 'tool-calls',
  },
  /** Reasoning deltas first, then the answer. */
  'reasoning-then-text': {
    text: 'Hello! How can I help?',
    reasoning: 'The user greets me. I should greet them back.',
    toolCalls: [],
    finishReason: 'stop',
  },
  /** A JSON-mode answer: the JSON arrives as text. */
  'json-mode': {
    text: '{"answer":42,"unit":"none"}',
    reasoning: '',
    toolCalls: [],
    finishReason: 'stop',
  },
} as const satisfies Record<string, ExpectedAnswer>;

export type ConformanceScenario = keyof typeof CONFORMANCE_SCENARIOS;
