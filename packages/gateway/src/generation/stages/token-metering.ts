/**
 * The producer's first stage: every streamed token (text, reasoning or an argument
 * fragment) is paid for as it arrives, so a budget that runs out cuts the answer there.
 * Synchronous on the usual path — the memory meter answers at once — and a promise only
 * when a shared meter must top up its lease first. Counts what it let through, which is
 * the output-token figure when the upstream reports none.
 */
import type { TokenBudget, TokenQuotaExceeded } from '../../control/quotas/token-budget.ts';

export type Metered = TokenQuotaExceeded | undefined;

export class TokenMetering {
  readonly #budget: TokenBudget;
  /** Tokens let through. */
  count = 0;

  constructor(budget: TokenBudget) {
    this.#budget = budget;
  }

  /** Undefined when the token may go on; the exceeded quota when the budget said no. */
  consume(): Metered | Promise<Metered> {
    const consumption = this.#budget.consume(1);
    if (consumption.pending) {
      return consumption.pending.then((settled) => this.#settle(settled.allowed, settled.exceeded));
    }
    return this.#settle(consumption.allowed, consumption.exceeded);
  }

  #settle(allowed: boolean, exceeded: TokenQuotaExceeded | undefined): Metered {
    if (!allowed)
      return exceeded ?? { limit: 'tokens-per-minute', scope: 'tenant', retryAfterMs: 0 };
    this.count += 1;
    return undefined;
  }
}
