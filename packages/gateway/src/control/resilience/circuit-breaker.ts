/**
 * A circuit breaker for one upstream. It opens after `failureThreshold` consecutive
 * upstream-side failures — consecutive rather than a failure rate over a window, because a
 * rate needs traffic to mean anything and a gateway often sends a model only a trickle; a
 * run of failures in a row is the same signal at any volume and is predictable to operate.
 *
 * closed ──N failures in a row──► open ──coolDownMs elapsed──► half-open
 * half-open: at most `halfOpenProbes` calls in flight; the first success closes the circuit,
 * any failure opens it again for another cool-down.
 *
 * The open → half-open move happens when the breaker is next consulted (`state`, `tryAcquire`,
 * `snapshot`), not on a timer, so an idle breaker holds no timer. Callers report outcomes
 * through the `CircuitPermit` they were given; only upstream-side failures should be
 * reported as failures (see `classifyFailure`), a cancel or a client's bad request `release()`s.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerSettings {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before letting probes through. Default 30 s. */
  coolDownMs?: number;
  /** Calls allowed in flight while half-open. Default 1. */
  halfOpenProbes?: number;
  /** Milliseconds; injectable for tests. Default `performance.now`. */
  now?: () => number;
}

export interface CircuitStateChange {
  name: string;
  from: CircuitState;
  to: CircuitState;
}

export interface CircuitBreakerSnapshot {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  failureThreshold: number;
  /** While open: milliseconds until probes are let through. */
  retryInMs: number | undefined;
  probesInFlight: number;
  /** Counters since start, for metrics. */
  successes: number;
  failures: number;
  /** Calls turned away because the circuit was open or its probes were taken. */
  rejected: number;
}

/** One call's claim on the breaker; report its outcome once it is known. */
export interface CircuitPermit {
  /** The upstream worked (it produced its first token). */
  success(): void;
  /** An upstream-side failure; may be reported after `success()` for a mid-stream failure. */
  failure(): void;
  /** The call ended without saying anything about the upstream (cancel, bad request). */
  release(): void;
}

export type CircuitStateListener = (change: CircuitStateChange) => void;

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOL_DOWN_MS = 30_000;
export const DEFAULT_HALF_OPEN_PROBES = 1;

export class CircuitBreaker {
  readonly name: string;
  readonly #failureThreshold: number;
  readonly #coolDownMs: number;
  readonly #halfOpenProbes: number;
  readonly #now: () => number;
  readonly #listeners = new Set<CircuitStateListener>();
  #state: CircuitState = 'closed';
  #consecutiveFailures = 0;
  #openedAt = 0;
  /** Bumped on every entry into half-open, so a probe slot is only freed in its own phase. */
  #halfOpenPhase = 0;
  #probesInFlight = 0;
  #successes = 0;
  #failures = 0;
  #rejected = 0;

  constructor(name: string, settings: CircuitBreakerSettings = {}) {
    this.name = name;
    this.#failureThreshold = atLeastOne(settings.failureThreshold, DEFAULT_FAILURE_THRESHOLD);
    this.#coolDownMs = Math.max(0, settings.coolDownMs ?? DEFAULT_COOL_DOWN_MS);
    this.#halfOpenProbes = atLeastOne(settings.halfOpenProbes, DEFAULT_HALF_OPEN_PROBES);
    this.#now = settings.now ?? (() => performance.now());
  }

  get state(): CircuitState {
    this.#checkCoolDown();
    return this.#state;
  }

  /** Registers a listener for state changes (for metrics and logs); returns its remover. */
  onStateChange(listener: CircuitStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A permit to call the upstream, or `undefined` when the circuit turns the call away. */
  tryAcquire(): CircuitPermit | undefined {
    this.#checkCoolDown();
    if (this.#state === 'open') {
      this.#rejected += 1;
      return undefined;
    }
    if (this.#state === 'half-open') {
      if (this.#probesInFlight >= this.#halfOpenProbes) {
        this.#rejected += 1;
        return undefined;
      }
      this.#probesInFlight += 1;
      return this.#permit(this.#halfOpenPhase);
    }
    return this.#permit(undefined);
  }

  snapshot(): CircuitBreakerSnapshot {
    this.#checkCoolDown();
    return {
      name: this.name,
      state: this.#state,
      consecutiveFailures: this.#consecutiveFailures,
      failureThreshold: this.#failureThreshold,
      retryInMs:
        this.#state === 'open'
          ? Math.max(0, this.#openedAt + this.#coolDownMs - this.#now())
          : undefined,
      probesInFlight: this.#state === 'half-open' ? this.#probesInFlight : 0,
      successes: this.#successes,
      failures: this.#failures,
      rejected: this.#rejected,
    };
  }

  #permit(probePhase: number | undefined): CircuitPermit {
    let holdsProbe = probePhase !== undefined;
    const freeProbe = () => {
      if (!holdsProbe) return;
      holdsProbe = false;
      if (this.#state === 'half-open' && this.#halfOpenPhase === probePhase) {
        this.#probesInFlight -= 1;
      }
    };
    let succeeded = false;
    let failed = false;
    return {
      success: () => {
        if (succeeded || failed) return;
        succeeded = true;
        freeProbe();
        this.#onSuccess();
      },
      failure: () => {
        if (failed) return;
        failed = true;
        freeProbe();
        this.#onFailure();
      },
      release: freeProbe,
    };
  }

  #onSuccess(): void {
    this.#successes += 1;
    this.#checkCoolDown();
    // A success reported while open comes from a call started before the circuit opened;
    // it does not outweigh the failures that opened it.
    if (this.#state === 'open') return;
    this.#consecutiveFailures = 0;
    if (this.#state === 'half-open') this.#transition('closed');
  }

  #onFailure(): void {
    this.#failures += 1;
    this.#checkCoolDown();
    if (this.#state === 'open') return;
    this.#consecutiveFailures += 1;
    if (this.#state === 'half-open' || this.#consecutiveFailures >= this.#failureThreshold) {
      this.#openedAt = this.#now();
      this.#transition('open');
    }
  }

  #checkCoolDown(): void {
    if (this.#state !== 'open') return;
    if (this.#now() - this.#openedAt < this.#coolDownMs) return;
    this.#halfOpenPhase += 1;
    this.#probesInFlight = 0;
    this.#transition('half-open');
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    if (to === 'closed') this.#consecutiveFailures = 0;
    const change: CircuitStateChange = { name: this.name, from, to };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A failing metrics hook must not change how the breaker routes traffic.
      }
    }
  }
}

function atLeastOne(value: number | undefined, fallback: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(1, Math.floor(value));
}
