/**
 * The playground's conversation as data: user turns and assistant turns, and how one
 * generation event changes an assistant turn. Pure functions, so a resumed read (events
 * after the stored offset) continues exactly where the stored turn stopped.
 */
import type { GenerationEvent, Verdict } from '@sluice/client';

export interface UserTurn {
  role: 'user';
  key: string;
  text: string;
}

export interface ToolCallCard {
  index: number;
  toolCallId: string;
  toolName: string;
  arguments: string;
  complete: boolean;
}

export type AssistantPhase = 'waiting' | 'streaming' | 'finished' | 'failed';

export interface AssistantTurn {
  role: 'assistant';
  key: string;
  generationId?: string;
  /** The offset after the last event folded in: where a resume continues. */
  offset: string;
  phase: AssistantPhase;
  text: string;
  reasoning: string;
  toolCalls: ToolCallCard[];
  finishReason?: string;
  error?: string;
  verdict?: Verdict;
  /** The verdict was flagged and a reviewer has not decided yet (the log is held open). */
  awaitingReview: boolean;
  review?: { decision: 'approved' | 'rejected'; reviewer: string; note: string };
  retraction?: string;
  notices: string[];
  /** Client clock (ms since epoch) when the request went out; absent after a reload. */
  startedAt?: number;
  /** Client-side time to first token, measured in this page. */
  clientTtftMs?: number;
  /** Events seen carrying output (deltas), for a live rate before the finish event. */
  deltas: number;
  firstOutputAt?: number;
  lastOutputAt?: number;
  /** From `response-finish`: the gateway's own figures. */
  ttftMs?: number;
  durationMs?: number;
  outputTokens?: number;
}

export type ChatTurn = UserTurn | AssistantTurn;

export function newAssistantTurn(key: string, startedAt: number | undefined): AssistantTurn {
  return {
    role: 'assistant',
    key,
    offset: '-1',
    phase: 'waiting',
    text: '',
    reasoning: '',
    toolCalls: [],
    awaitingReview: false,
    notices: [],
    ...(startedAt === undefined ? {} : { startedAt }),
    deltas: 0,
  };
}

function withOutput(turn: AssistantTurn, now: number): AssistantTurn {
  const first = turn.firstOutputAt === undefined;
  return {
    ...turn,
    phase: turn.phase === 'waiting' ? 'streaming' : turn.phase,
    deltas: turn.deltas + 1,
    firstOutputAt: turn.firstOutputAt ?? now,
    lastOutputAt: now,
    ...(first && turn.startedAt !== undefined ? { clientTtftMs: now - turn.startedAt } : {}),
  };
}

function updateCall(
  calls: ToolCallCard[],
  index: number,
  change: (call: ToolCallCard) => ToolCallCard,
): ToolCallCard[] {
  return calls.map((call) => (call.index === index ? change(call) : call));
}

/** The turn after `event` (delivered at `offset`), observed at client time `now`. */
export function applyEvent(
  turn: AssistantTurn,
  event: GenerationEvent,
  offset: string,
  now: number,
): AssistantTurn {
  const next: AssistantTurn = { ...turn, offset };
  switch (event.type) {
    case 'response-start':
      return { ...next, generationId: event.id };
    case 'text-delta':
      return { ...withOutput(next, now), text: next.text + event.delta };
    case 'reasoning-delta':
      return { ...withOutput(next, now), reasoning: next.reasoning + event.delta };
    case 'tool-call-start':
      return {
        ...withOutput(next, now),
        toolCalls: [
          ...next.toolCalls,
          {
            index: event.index,
            toolCallId: event.toolCallId,
            toolName: event.toolName,
            arguments: '',
            complete: false,
          },
        ],
      };
    case 'tool-call-delta':
      return {
        ...withOutput(next, now),
        toolCalls: updateCall(next.toolCalls, event.index, (call) => ({
          ...call,
          arguments: call.arguments + event.argumentsDelta,
        })),
      };
    case 'tool-call-end':
      return {
        ...next,
        toolCalls: updateCall(next.toolCalls, event.index, (call) => ({
          ...call,
          arguments: event.arguments,
          complete: true,
        })),
      };
    case 'response-finish': {
      const ttft = event.timings.timeToFirstTokenMs;
      return {
        ...next,
        phase: 'finished',
        finishReason: event.finishReason,
        durationMs: event.timings.durationMs,
        outputTokens: event.usage.outputTokens,
        ...(ttft === null ? {} : { ttftMs: ttft }),
      };
    }
    case 'response-error':
      return { ...next, phase: 'failed', finishReason: 'error', error: event.message };
    case 'response-final':
      return { ...next, verdict: event.verdict, awaitingReview: event.verdict === 'flagged' };
    case 'review-decision':
      return {
        ...next,
        verdict: event.decision,
        awaitingReview: false,
        review: { decision: event.decision, reviewer: event.reviewer, note: event.note },
      };
    case 'response-retract':
      return { ...next, retraction: event.reason };
    case 'guardrail-block':
      return { ...next, notices: [...next.notices, `Blocked by guardrail ${event.rule}`] };
    case 'quota-exceeded':
      return { ...next, notices: [...next.notices, 'Token quota exceeded'] };
    case 'response-seam':
      return {
        ...next,
        notices: [...next.notices, `Continued by ${event.to} after ${event.reason}`],
      };
    default:
      return next;
  }
}

/** Tokens per second after the first token: the gateway's figures, else a live estimate. */
export function tokensPerSecond(turn: AssistantTurn): number | undefined {
  if (turn.outputTokens !== undefined && turn.durationMs !== undefined) {
    const streamingMs = turn.durationMs - (turn.ttftMs ?? 0);
    return streamingMs > 0 ? (turn.outputTokens / streamingMs) * 1000 : undefined;
  }
  if (turn.firstOutputAt === undefined || turn.lastOutputAt === undefined) return undefined;
  const elapsed = turn.lastOutputAt - turn.firstOutputAt;
  return elapsed > 0 && turn.deltas > 1 ? ((turn.deltas - 1) / elapsed) * 1000 : undefined;
}
