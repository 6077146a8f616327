/**
 * The summary behind `GET /v1/stats`: exact percentiles of recent time to first token
 * and tokens per second, active streams and outcome counts, for dashboards and the web
 * UI. "Recent" is the last `capacity` generations that ended within `windowMs`; the
 * samples live in fixed typed-array rings, so memory stays bounded whatever the load,
 * and percentiles are computed only when someone asks.
 *
 * Each sample and counter also knows its tenant, so `snapshot(tenant)` shows one tenant
 * only (what a non-admin key may see). Per-tenant counters are kept for tenants that
 * have been seen, which API keys bound; a tenant's entry holds a few numbers.
 */
import type { EndedStatus, GenerationSummary } from './generation-summary.ts';
import { addedTimeToFirstTokenMs, tokensPerSecond } from './generation-summary.ts';

export interface GenerationStatsOptions {
  /** Most generations kept (default 1,000). */
  capacity?: number;
  /** Only generations that ended this recently count (default 5 minutes). */
  windowMs?: number;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export type OutcomeCounts = Record<EndedStatus, number>;

export interface StatsSnapshot {
  generatedAt: string;
  window: { seconds: number; capacity: number; generations: number };
  /** As clients observe it through Sluice. */
  timeToFirstTokenMs: Percentiles;
  /** At the provider boundary. */
  upstreamTimeToFirstTokenMs: Percentiles;
  /** What Sluice added before the first token. */
  addedTimeToFirstTokenMs: Percentiles;
  tokensPerSecond: Percentiles;
  active: { generations: number; readers: number };
  /** Outcomes within the window. */
  outcomes: OutcomeCounts;
  /** Outcomes since the process started. */
  totals: OutcomeCounts & { started: number };
}

const STATUSES: readonly EndedStatus[] = ['finished', 'cancelled', 'failed', 'interrupted'];

const emptyCounts = (): OutcomeCounts => ({
  finished: 0,
  cancelled: 0,
  failed: 0,
  interrupted: 0,
});

interface Counters {
  activeGenerations: number;
  activeReaders: number;
  started: number;
  totals: OutcomeCounts;
}

const emptyCounters = (): Counters => ({
  activeGenerations: 0,
  activeReaders: 0,
  started: 0,
  totals: emptyCounts(),
});

/** Nearest-rank percentiles of the values (NaN means "no sample" and is skipped). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const rank = (fraction: number) =>
    sorted.length === 0
      ? null
      : (sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? null);
  return {
    count: sorted.length,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted.length === 0 ? null : (sorted[sorted.length - 1] ?? null),
  };
}

export class GenerationStats {
  readonly #capacity: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #endedAt: Float64Array;
  readonly #timeToFirstToken: Float64Array;
  readonly #upstreamTimeToFirstToken: Float64Array;
  readonly #addedTimeToFirstToken: Float64Array;
  readonly #tokensPerSecond: Float64Array;
  readonly #status: Uint8Array;
  readonly #tenant: (string | undefined)[];
  #next = 0;
  #size = 0;
  readonly #all = emptyCounters();
  readonly #byTenant = new Map<string, Counters>();

  constructor(options: GenerationStatsOptions = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#windowMs = options.windowMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#endedAt = new Float64Array(this.#capacity);
    this.#timeToFirstToken = new Float64Array(this.#capacity);
    this.#upstreamTimeToFirstToken = new Float64Array(this.#capacity);
    this.#addedTimeToFirstToken = new Float64Array(this.#capacity);
    this.#tokensPerSecond = new Float64Array(this.#capacity);
    this.#status = new Uint8Array(this.#capacity);
    this.#tenant = new Array<string | undefined>(this.#capacity);
  }

  /** Applies a change to everyone's counters, and to the tenant's when it is known. */
  #count(tenant: string | undefined, change: (counters: Counters) => void): void {
    change(this.#all);
    if (tenant === undefined) return;
    let counters = this.#byTenant.get(tenant);
    if (counters === undefined) {
      counters = emptyCounters();
      this.#byTenant.set(tenant, counters);
    }
    change(counters);
  }

  generationStarted(tenant?: string): void {
    this.#count(tenant, (counters) => {
      counters.started += 1;
      counters.activeGenerations += 1;
    });
  }

  generationEnded(summary: GenerationSummary): void {
    this.#count(summary.tenant, (counters) => {
      counters.activeGenerations = Math.max(0, counters.activeGenerations - 1);
      counters.totals[summary.status] += 1;
    });
    const slot = this.#next;
    this.#endedAt[slot] = this.#now();
    this.#timeToFirstToken[slot] = summary.timeToFirstTokenMs ?? Number.NaN;
    this.#upstreamTimeToFirstToken[slot] = summary.upstream?.timeToFirstTokenMs ?? Number.NaN;
    this.#addedTimeToFirstToken[slot] = addedTimeToFirstTokenMs(summary) ?? Number.NaN;
    this.#tokensPerSecond[slot] = tokensPerSecond(summary) ?? Number.NaN;
    this.#status[slot] = STATUSES.indexOf(summary.status);
    this.#tenant[slot] = summary.tenant;
    this.#next = (slot + 1) % this.#capacity;
    this.#size = Math.min(this.#size + 1, this.#capacity);
  }

  /** Readers attached now, over every transport and tenant. */
  get activeReaders(): number {
    return this.#all.activeReaders;
  }

  readerAttached(tenant?: string): void {
    this.#count(tenant, (counters) => {
      counters.activeReaders += 1;
    });
  }

  readerDetached(tenant?: string): void {
    this.#count(tenant, (counters) => {
      counters.activeReaders = Math.max(0, counters.activeReaders - 1);
    });
  }

  /** Everyone's generations, or only those of `tenant`. */
  snapshot(tenant?: string): StatsSnapshot {
    const counters =
      tenant === undefined ? this.#all : (this.#byTenant.get(tenant) ?? emptyCounters());
    const now = this.#now();
    const cutoff = now - this.#windowMs;
    const timeToFirstToken: number[] = [];
    const upstream: number[] = [];
    const added: number[] = [];
    const rates: number[] = [];
    const outcomes = emptyCounts();
    for (let index = 0; index < this.#size; index += 1) {
      if ((this.#endedAt[index] ?? 0) < cutoff) continue;
      if (tenant !== undefined && this.#tenant[index] !== tenant) continue;
      timeToFirstToken.push(this.#timeToFirstToken[index] ?? Number.NaN);
      upstream.push(this.#upstreamTimeToFirstToken[index] ?? Number.NaN);
      added.push(this.#addedTimeToFirstToken[index] ?? Number.NaN);
      rates.push(this.#tokensPerSecond[index] ?? Number.NaN);
      const status = STATUSES[this.#status[index] ?? 0];
      if (status !== undefined) outcomes[status] += 1;
    }
    return {
      generatedAt: new Date(now).toISOString(),
      window: {
        seconds: this.#windowMs / 1000,
        capacity: this.#capacity,
        generations: timeToFirstToken.length,
      },
      timeToFirstTokenMs: percentiles(timeToFirstToken),
      upstreamTimeToFirstTokenMs: percentiles(upstream),
      addedTimeToFirstTokenMs: percentiles(added),
      tokensPerSecond: percentiles(rates),
      active: { generations: counters.activeGenerations, readers: counters.activeReaders },
      outcomes,
      totals: { ...counters.totals, started: counters.started },
    };
  }
}
