/**
 * An external check of the final answer over HTTP. It runs at finalization, after the
 * stream's last token, so it can delay the verdict but never token delivery; its time is
 * bounded by `timeoutMs` whatever the remote end does.
 *
 * Contract (version 1):
 * - Request: `POST <url>` with `content-type: application/json`, the policy's extra
 *   `headers`, and the body `{ "generationId", "model", "provider", "policyVersion",
 *   "finishReason", "text", "contentSha256" }`, where `text` is the final answer and
 *   `contentSha256` the hex SHA-256 of the text delivered to clients.
 * - Answer: a 2xx status and a JSON object `{ "verdict": "pass" | "fail", "reason"?: string }`
 *   of at most 64 KiB; other fields are ignored. `reason` is recorded in the audit trail
 *   (cut to 200 characters), so it must describe the problem, not quote the answer.
 * - Anything else (timeout, refused connection, non-2xx status, redirect, oversized or
 *   malformed answer, an address the gateway may not call) means the webhook is
 *   unavailable: with `failMode: 'open'` the check passes; with `failMode: 'closed'` it
 *   fails. The check detail says only that: whoever reads verdicts learns nothing about
 *   what answered, or did not, at that address (no port-scan oracle). Why it was
 *   unavailable goes to the operator log.
 *
 * Requests go through `webhook-dispatcher.ts`, which refuses private and metadata
 * addresses unless the gateway was configured to allow private networks.
 */
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import type { ValidationContext, Validator } from './validator.ts';
import { isForbiddenWebhookHeader, type WebhookRule } from './validators-policy.ts';
import { createWebhookDispatcher, WEBHOOK_ADDRESS_REFUSED } from './webhook-dispatcher.ts';

export const WEBHOOK_CHECK_NAME = 'webhook';
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_REASON_LENGTH = 200;

const answerSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  reason: z.string().optional(),
});

type WebhookOutcome =
  | { kind: 'answer'; verdict: 'pass' | 'fail'; reason: string | undefined }
  | { kind: 'unavailable'; why: string };

/** Where the reasons a webhook was unavailable are logged (pino and Fastify loggers fit). */
export interface WebhookLogger {
  warn(fields: object, message: string): void;
}

export interface WebhookValidatorOptions {
  /**
   * What requests are sent through: one made by `createWebhookDispatcher`, by default a
   * shared one that refuses private networks.
   */
  dispatcher?: Dispatcher;
  /** The operator log; without one the reasons are not recorded anywhere. */
  logger?: WebhookLogger;
}

let defaultDispatcher: Dispatcher | undefined;

function dispatcherOf(options: WebhookValidatorOptions): Dispatcher {
  if (options.dispatcher !== undefined) return options.dispatcher;
  defaultDispatcher ??= createWebhookDispatcher({ allowPrivateNetworks: false });
  return defaultDispatcher;
}

export function createWebhookValidator(
  rule: WebhookRule,
  options: WebhookValidatorOptions = {},
): Validator {
  const send: SendOptions = { dispatcher: dispatcherOf(options), headers: headersOf(rule) };
  // Only the origin: a path or query may carry a token.
  const target = new URL(rule.url).origin;
  return {
    name: WEBHOOK_CHECK_NAME,
    onFail: rule.onFail,
    needsCompleteText: false,
    validate: async (text, context) => {
      const outcome = await callWithDeadline(rule, send, text, context);
      if (outcome.kind === 'answer') {
        if (outcome.verdict === 'pass') return { name: WEBHOOK_CHECK_NAME, passed: true };
        const reason = outcome.reason === undefined ? '' : `: ${sanitizeReason(outcome.reason)}`;
        return {
          name: WEBHOOK_CHECK_NAME,
          passed: false,
          detail: `webhook failed the answer${reason}`,
        };
      }
      options.logger?.warn(
        {
          event: 'webhook-unavailable',
          generationId: context.generationId,
          policyVersion: context.policyVersion,
          webhook: target,
          failMode: rule.failMode,
          why: outcome.why,
        },
        'webhook unavailable',
      );
      return rule.failMode === 'open'
        ? {
            name: WEBHOOK_CHECK_NAME,
            passed: true,
            detail: 'webhook unavailable; passed because failMode is open',
          }
        : {
            name: WEBHOOK_CHECK_NAME,
            passed: false,
            detail: 'webhook unavailable; failed because failMode is closed',
          };
    },
  };
}

interface SendOptions {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
}

/**
 * The policy's extra headers and the contract's own. Policies with `Host` or hop-by-hop
 * headers are refused when published; dropping them here too covers documents stored
 * by older versions or other policy stores.
 */
function headersOf(rule: WebhookRule): Record<string, string> {
  const extra = Object.entries(rule.headers ?? {}).filter(
    ([name]) => !isForbiddenWebhookHeader(name),
  );
  return {
    ...Object.fromEntries(extra),
    'content-type': 'application/json',
    accept: 'application/json',
  };
}

/**
 * Races the call against its own deadline: the abort tears the request down, and the
 * race guarantees the verdict is not held up even if some stage ignored the abort.
 */
async function callWithDeadline(
  rule: WebhookRule,
  send: SendOptions,
  text: string,
  context: ValidationContext,
): Promise<WebhookOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<WebhookOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ kind: 'unavailable', why: `no answer within ${rule.timeoutMs} ms` });
    }, rule.timeoutMs);
  });
  try {
    return await Promise.race([call(rule, send, text, context, controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Never rejects: every failure becomes an `unavailable` outcome. */
async function call(
  rule: WebhookRule,
  send: SendOptions,
  text: string,
  context: ValidationContext,
  signal: AbortSignal,
): Promise<WebhookOutcome> {
  const body = JSON.stringify({
    generationId: context.generationId,
    model: context.model,
    provider: context.provider,
    policyVersion: context.policyVersion,
    finishReason: context.finishReason,
    text,
    contentSha256: context.contentSha256,
  });
  let response: Dispatcher.ResponseData;
  try {
    response = await request(rule.url, {
      method: 'POST',
      headers: send.headers,
      body,
      signal,
      dispatcher: send.dispatcher,
    });
  } catch (error) {
    return { kind: 'unavailable', why: requestFailure(error) };
  }
  try {
    if (response.statusCode < 200 || response.statusCode > 299) {
      return { kind: 'unavailable', why: `HTTP ${response.statusCode}` };
    }
    const raw = await readLimited(response.body, MAX_ANSWER_BYTES);
    if (raw === undefined) return { kind: 'unavailable', why: 'answer larger than 64 KiB' };
    return parseAnswer(raw);
  } catch (error) {
    return { kind: 'unavailable', why: `reading the answer failed: ${errorCode(error)}` };
  } finally {
    // Frees the socket when the body was not read to the end.
    response.body.destroy();
  }
}

async function readLimited(
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAnswer(raw: string): WebhookOutcome {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'unavailable', why: 'answer is not JSON' };
  }
  const answer = answerSchema.safeParse(json);
  if (!answer.success) {
    return { kind: 'unavailable', why: 'answer lacks a "verdict" of "pass" or "fail"' };
  }
  return { kind: 'answer', verdict: answer.data.verdict, reason: answer.data.reason };
}

function sanitizeReason(reason: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const printable = reason.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return printable.length > MAX_REASON_LENGTH
    ? `${printable.slice(0, MAX_REASON_LENGTH)}…`
    : printable;
}

/** A refused address says which and why (operator log only); other failures give their code. */
function requestFailure(error: unknown): string {
  const code = errorCode(error);
  const message = (error as { message?: unknown } | null)?.message;
  return code === WEBHOOK_ADDRESS_REFUSED && typeof message === 'string'
    ? message
    : `request failed: ${code}`;
}

/** A short, content-free cause: the error code or name, never a message that might echo input. */
function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'unknown error';
}
