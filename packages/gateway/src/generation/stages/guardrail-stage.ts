/**
 * The guardrails stage for one text channel (the answer, or the reasoning): deltas in,
 * releasable redacted text out, with the redactions tallied by kind and a blocking rule or a
 * fail-closed holdback overflow reported as a block. For the answer it also measures how
 * long released text waited in the holdback (a metric), from a compact arrival clock.
 *
 * The guardrail session (a matcher per detector, with its state tables) is built on the
 * first delta, not with the stage: a generation still waiting for its first token, or one
 * whose model never reasons, holds none — a few KB per channel of every idle generation.
 */
import type { GuardrailBlockKind } from '@sluice/protocol';
import { type GuardrailOutput, GuardrailSession } from '../../guardrails/guardrail-session.ts';
import type { Guardrails } from '../../guardrails/guardrails.ts';
import { HoldbackClock } from './holdback-clock.ts';

export interface Block {
  rule: string;
  kind: GuardrailBlockKind;
}

export interface StageOutput {
  /** Redacted text to release now (possibly empty). */
  text: string;
  block?: Block;
}

export class GuardrailStage {
  readonly #guardrails: Guardrails;
  #session: GuardrailSession | undefined;
  /** Ended before any delta came: there is no session, and nothing more comes out. */
  #endedEmpty = false;
  readonly #redactions: Map<string, number>;
  readonly #holdback: { clock: HoldbackClock; observe: (waitedMs: number) => void } | undefined;

  /**
   * @param redactions where redaction counts are tallied (shared by both channels).
   * @param observeHoldback told how long released text waited, when measured.
   */
  constructor(
    guardrails: Guardrails,
    redactions: Map<string, number>,
    observeHoldback?: (waitedMs: number) => void,
  ) {
    this.#guardrails = guardrails;
    this.#redactions = redactions;
    this.#holdback =
      observeHoldback === undefined
        ? undefined
        : { clock: new HoldbackClock(), observe: observeHoldback };
  }

  /** True once the channel released everything it will (end, block or overflow). */
  get closed(): boolean {
    return this.#session === undefined ? this.#endedEmpty : this.#session.closed;
  }

  push(delta: string): StageOutput {
    if (this.#session === undefined) {
      if (this.#endedEmpty) return { text: '' };
      this.#session = new GuardrailSession(this.#guardrails);
    }
    const session = this.#session;
    const holdback = this.#holdback;
    if (holdback === undefined) return this.#output(session.push(delta));
    const arrived = performance.now();
    holdback.clock.received(delta.length, arrived);
    const output = session.push(delta);
    if (output.text.length > 0) {
      const waited = holdback.clock.released(session.holdbackChars, arrived);
      if (waited !== undefined) holdback.observe(waited);
    }
    return this.#output(output);
  }

  /** The text has ended (or is cut short): release what is still held. */
  end(): StageOutput {
    if (this.#session === undefined) {
      this.#endedEmpty = true;
      return { text: '' };
    }
    if (this.#session.closed) return { text: '' };
    return this.#output(this.#session.end());
  }

  #output(output: GuardrailOutput): StageOutput {
    for (const { kind, count } of output.redactions) {
      this.#redactions.set(kind, (this.#redactions.get(kind) ?? 0) + count);
    }
    if (output.blocked) {
      return { text: output.text, block: { rule: output.blocked.rule, kind: output.blocked.kind } };
    }
    if (output.overflow === 'failed-closed') {
      return { text: output.text, block: { rule: 'holdback-limit', kind: 'holdback-overflow' } };
    }
    return { text: output.text };
  }
}
