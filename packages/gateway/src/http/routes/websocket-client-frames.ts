/**
 * Client frames of `GET /v1/ws`, validated: a message is JSON text holding one object
 * whose `type` names a frame (`ws-frames.ts` in the protocol). A refusal is a catalogue
 * error naming the bad field, never echoing its value, with the frame's `ref` and
 * `generationId` when those could be read, so the client can tell which frame it was.
 * A `start` frame's `request` is checked later, against the generation request schema.
 */
import type { ErrorCode, WsClientFrame } from '@sluice/protocol';
import { z } from 'zod';

const refSchema = z.string().min(1).max(128);
const generationIdSchema = z.string().min(1).max(128);

const frameSchemas = {
  auth: z.object({ type: z.literal('auth'), token: z.string().min(1).max(1024) }).strict(),
  start: z
    .object({
      type: z.literal('start'),
      ref: refSchema,
      request: z.record(z.string(), z.unknown()),
    })
    .strict(),
  subscribe: z
    .object({
      type: z.literal('subscribe'),
      generationId: generationIdSchema,
      offset: z.string().min(1).max(256).optional(),
    })
    .strict(),
  unsubscribe: z
    .object({ type: z.literal('unsubscribe'), generationId: generationIdSchema })
    .strict(),
  cancel: z.object({ type: z.literal('cancel'), generationId: generationIdSchema }).strict(),
  ping: z.object({ type: z.literal('ping'), ref: refSchema.optional() }).strict(),
} as const;

type FrameType = keyof typeof frameSchemas;

export interface FrameRefusal {
  code: ErrorCode;
  message: string;
  ref?: string;
  generationId?: string;
}

export type ParsedFrame = { frame: WsClientFrame } | { refusal: FrameRefusal };

export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { refusal: { code: 'SLUICE_ERR_INVALID_JSON', message: 'The frame is not valid JSON' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refusal('frame: must be a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const echo = echoedFields(fields);
  const type = fields.type;
  if (typeof type !== 'string' || !Object.hasOwn(frameSchemas, type)) {
    return refusal('type: not a known frame type', echo);
  }
  const result = frameSchemas[type as FrameType].safeParse(value);
  if (result.success) return { frame: result.data as WsClientFrame };
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : 'frame';
  return refusal(`${path}: ${issue?.message ?? 'invalid'}`, echo);
}

/** `ref` and `generationId` of a refused frame, when they are what they should be. */
function echoedFields(fields: Record<string, unknown>): Partial<FrameRefusal> {
  const echo: Partial<FrameRefusal> = {};
  if (refSchema.safeParse(fields.ref).success) echo.ref = fields.ref as string;
  if (generationIdSchema.safeParse(fields.generationId).success) {
    echo.generationId = fields.generationId as string;
  }
  return echo;
}

function refusal(message: string, echo: Partial<FrameRefusal> = {}): ParsedFrame {
  return { refusal: { code: 'SLUICE_ERR_INVALID_REQUEST', message, ...echo } };
}
