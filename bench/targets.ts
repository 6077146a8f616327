/**
 * The ways the bench can reach a token stream, all fed by the same fast upstream (or, for
 * `simulator`, by Sluice's built-in model with the same timing): what each one starts,
 * which URL and body the load client sends, and which SSE dialect comes back. For a
 * tool-call answer the body declares the bench's tool, in each API's own shape.
 */
import { ANSWER_LABELS, type AnswerKind } from './answer-kinds.ts';
import type { FastUpstreamSettings } from './fast-upstream.ts';
import { VARIANT_LABELS, type VariantName } from './gateway-variants.ts';
import type { StreamFormat } from './sse-token-counter.ts';
import { BENCH_TOOL } from './tool-call-frames.ts';

export const TARGET_NAMES = [
  'direct',
  'sluice',
  'sluice-native',
  'simulator',
  'nginx',
  'node-relay',
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: 'direct',
  sluice: 'Sluice (OpenAI chunks)',
  'sluice-native': 'Sluice (native SSE)',
  simulator: 'Sluice simulator',
  nginx: 'nginx',
  'node-relay': 'bare Node.js relay',
};

/** A column heading: the target, then the variant and the answer when not the defaults. */
export function targetLabel(
  target: TargetName,
  variant: VariantName,
  answer: AnswerKind = 'text',
): string {
  const suffixes = [VARIANT_LABELS[variant], ANSWER_LABELS[answer]].filter((text) => text !== '');
  return [TARGET_LABELS[target], ...suffixes].join(', ');
}

/** Which process sits between the client and the tokens, and is charged CPU. */
export type ProxyKind = 'none' | 'gateway' | 'nginx' | 'node-relay';

export interface TargetRequest {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  format: StreamFormat;
}

export function proxyOf(target: TargetName): ProxyKind {
  if (target === 'direct') return 'none';
  if (target === 'nginx' || target === 'node-relay') return target;
  return 'gateway';
}

const MESSAGES = [{ role: 'user', content: 'Tell me how streaming gateways relay tokens.' }];

/** Targets that can give a tool-call answer: the simulator's calls have their own pacing. */
export function answersToolCalls(target: TargetName): boolean {
  return target !== 'simulator';
}

export function targetRequest(
  target: TargetName,
  upstreamModel: string,
  gatewayModel: string,
  upstream: FastUpstreamSettings,
  answer: AnswerKind = 'text',
): TargetRequest {
  if (answer === 'tool-calls' && !answersToolCalls(target)) {
    throw new Error(`the ${target} target cannot give a tool-call answer`);
  }
  // Declaring the tool is what makes the upstream answer with calls, as a model would.
  const chat =
    answer === 'text'
      ? { messages: MESSAGES, stream: true, stream_options: { include_usage: true } }
      : {
          messages: MESSAGES,
          tools: [{ type: 'function', function: BENCH_TOOL }],
          stream: true,
          stream_options: { include_usage: true },
        };
  switch (target) {
    case 'direct':
      return {
        path: '/v1/chat/completions',
        body: { model: upstreamModel, ...chat },
        headers: {},
        format: 'openai',
      };
    case 'nginx':
    case 'node-relay':
      return {
        path: '/v1/chat/completions',
        body: { model: upstreamModel, ...chat },
        headers: {},
        format: 'openai',
      };
    case 'sluice':
      return {
        path: '/v1/chat/completions',
        body: { model: gatewayModel, ...chat },
        headers: {},
        format: 'openai',
      };
    case 'sluice-native':
      return {
        path: '/v1/generations',
        body:
          answer === 'text'
            ? { model: gatewayModel, messages: MESSAGES }
            : { model: gatewayModel, messages: MESSAGES, tools: [BENCH_TOOL] },
        headers: { accept: 'text/event-stream' },
        format: 'native',
      };
    case 'simulator':
      return {
        path: '/v1/chat/completions',
        body: {
          model: 'simulator',
          ...chat,
          max_tokens: upstream.tokens,
          simulator: { ttftMs: upstream.ttftMs, tokenIntervalMs: upstream.tokenIntervalMs },
        },
        headers: {},
        format: 'openai',
      };
  }
}
