/**
 * The ways the bench can reach a token stream, all fed by the same fast upstream (or, for
 * `simulator`, by Sluice's built-in model with the same timing): what each one starts,
 * which URL and body the load client sends, and which SSE dialect comes back.
 */
import type { FastUpstreamSettings } from './fast-upstream.ts';
import { VARIANT_LABELS, type VariantName } from './gateway-variants.ts';
import type { StreamFormat } from './sse-token-counter.ts';

export const TARGET_NAMES = ['direct', 'sluice', 'sluice-native', 'simulator', 'nginx'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: 'direct',
  sluice: 'Sluice (OpenAI chunks)',
  'sluice-native': 'Sluice (native SSE)',
  simulator: 'Sluice simulator',
  nginx: 'nginx',
};

/** A column heading: the target, and the variant when it is not the default. */
export function targetLabel(target: TargetName, variant: VariantName): string {
  const suffix = VARIANT_LABELS[variant];
  return suffix === '' ? TARGET_LABELS[target] : `${TARGET_LABELS[target]}, ${suffix}`;
}

/** Which process sits between the client and the tokens, and is charged CPU. */
export type ProxyKind = 'none' | 'gateway' | 'nginx';

export interface TargetRequest {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  format: StreamFormat;
}

export function proxyOf(target: TargetName): ProxyKind {
  if (target === 'direct') return 'none';
  return target === 'nginx' ? 'nginx' : 'gateway';
}

const MESSAGES = [{ role: 'user', content: 'Tell me how streaming gateways relay tokens.' }];

export function targetRequest(
  target: TargetName,
  upstreamModel: string,
  gatewayModel: string,
  upstream: FastUpstreamSettings,
): TargetRequest {
  const chat = {
    messages: MESSAGES,
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
        body: { model: gatewayModel, messages: MESSAGES },
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
