/**
 * A generation: one model response, its live state, and the stream log that is the
 * source of truth for everything delivered. The record here is the quick index for
 * `GET /v1/generations/{id}`; readers always go through the log.
 */
import type {
  FinishReason,
  GenerationStatus,
  OnDisconnect,
  Timings,
  Usage,
} from '@sluice/protocol';
import type { ChatMessage, SimulatorOptions } from '../providers/language-model.ts';

export interface GenerationRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  onDisconnect?: OnDisconnect;
  simulator?: SimulatorOptions;
  /** Headers forwarded to the upstream call (e.g. `traceparent`). */
  upstreamHeaders?: Record<string, string>;
}

/** Why the producer was stopped before the model finished. */
export type StopCause = 'cancelled' | 'interrupted';

export interface GenerationError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Generation {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  readonly streamPath: string;
  readonly createdAt: Date;
  readonly onDisconnect: OnDisconnect;
  status: GenerationStatus;
  text: string;
  finishReason: FinishReason | undefined;
  usage: Usage;
  timings: Timings | undefined;
  error: GenerationError | undefined;
  /** Resolves once the terminal event is in the log and the stream is closed. */
  readonly done: Promise<void>;
}

export interface GenerationView {
  id: string;
  status: GenerationStatus;
  model: string;
  provider: string;
  createdAt: string;
  text: string;
  finishReason: FinishReason | null;
  usage: Usage;
  timings: Timings | null;
  error?: GenerationError;
}

export function viewGeneration(generation: Generation): GenerationView {
  const view: GenerationView = {
    id: generation.id,
    status: generation.status,
    model: generation.model,
    provider: generation.provider,
    createdAt: generation.createdAt.toISOString(),
    text: generation.text,
    finishReason: generation.finishReason ?? null,
    usage: generation.usage,
    timings: generation.timings ?? null,
  };
  if (generation.error) view.error = generation.error;
  return view;
}
