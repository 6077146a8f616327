/**
 * The memory store's per-account budgets: how many streams each account holds and how
 * many bytes they store (as `stream-budget.ts` counts them), updated in O(1) per call.
 * An account's entry lives while it holds a stream; each counted stream keeps a reference
 * to its entry and what it costs, so no update needs a lookup.
 */
import {
  type StreamBudget,
  StreamBytesExceededError,
  StreamCountExceededError,
} from './stream-store.ts';

/** What an account's streams hold now. */
export interface StreamUsage {
  streams: number;
  bytes: number;
}

export interface AccountUsage extends StreamUsage {
  readonly name: string;
}

/** A stream as the ledger sees it. */
export interface CountedStream {
  /** The account it counts against; undefined when it is not counted. */
  readonly account: AccountUsage | undefined;
  /** What it costs its account now. */
  cost: number;
}

export class MemoryAccountLedger {
  readonly #accounts = new Map<string, AccountUsage>();

  usage(account: string): StreamUsage {
    const usage = this.#accounts.get(account);
    return { streams: usage?.streams ?? 0, bytes: usage?.bytes ?? 0 };
  }

  /** Takes a stream slot of the budget's account if it and `bytes` fit; throws otherwise. */
  admit(budget: StreamBudget, bytes: number): AccountUsage {
    const usage = this.#accounts.get(budget.account);
    if ((usage?.streams ?? 0) + 1 > budget.maxStreams) {
      throw new StreamCountExceededError(budget.maxStreams);
    }
    if ((usage?.bytes ?? 0) + bytes > budget.maxBytes) {
      throw new StreamBytesExceededError(budget.maxBytes);
    }
    const admitted = usage ?? { name: budget.account, streams: 0, bytes: 0 };
    if (usage === undefined) this.#accounts.set(budget.account, admitted);
    admitted.streams += 1;
    return admitted;
  }

  /** Adds (or, negative, gives back) bytes to what the stream costs its account. */
  charge(stream: CountedStream, bytes: number): void {
    if (stream.account === undefined || bytes === 0) return;
    stream.cost += bytes;
    stream.account.bytes += bytes;
  }

  /** The stream is gone for good: its slot and bytes go back to its account. */
  discard(stream: CountedStream): void {
    const account = stream.account;
    if (account === undefined) return;
    account.bytes -= stream.cost;
    account.streams -= 1;
    stream.cost = 0;
    if (account.streams === 0 && this.#accounts.get(account.name) === account) {
      this.#accounts.delete(account.name);
    }
  }

  clear(): void {
    this.#accounts.clear();
  }
}
