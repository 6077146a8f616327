/**
 * The one base of the gateway's errors. Each carries its catalogue code (`SLUICE_ERR_*`),
 * from which come the HTTP status the API answers with and whether a retry can help (a
 * subclass may say otherwise for one instance, as upstream errors do). Routes throw them;
 * one error handler maps every one of them the same way.
 *
 * Recognition never uses `instanceof`, which fails across module copies (a store or a
 * provider may ship as its own package): every instance is marked with a registry-wide
 * symbol per class of its chain, and `errorGuard()` makes a class's `isInstance()`.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '@sluice/protocol';

function markerOf(className: string): symbol {
  return Symbol.for(`sluice.error.${className}`);
}

export interface SluiceErrorOptions extends ErrorOptions {
  /** Overrides the catalogue's retryability for this instance. */
  retryable?: boolean;
  /** Response headers the answer carries (`Retry-After`, …). */
  headers?: Record<string, string>;
}

export abstract class SluiceError extends Error {
  abstract readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  readonly #retryable: boolean | undefined;

  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options.headers ?? {};
    this.#retryable = options.retryable;
    // Mark the instance with every class of its chain, so a parent's isInstance holds too.
    for (
      let errorClass: unknown = new.target;
      typeof errorClass === 'function' && errorClass !== Error;
      errorClass = Object.getPrototypeOf(errorClass)
    ) {
      Object.defineProperty(this, markerOf((errorClass as { name: string }).name), {
        value: true,
      });
    }
  }

  /** The HTTP status of the error's code. */
  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  /** The same, under the name Fastify reads from thrown errors. */
  get statusCode(): number {
    return this.status;
  }

  /** Whether retrying later can help: the catalogue's answer unless this instance says. */
  get retryable(): boolean {
    return this.#retryable ?? ERROR_CATALOGUE[this.code].retryable;
  }

  /** True for any Sluice error, whichever module copy made it. */
  static isInstance(value: unknown): value is SluiceError {
    return typeof value === 'object' && value !== null && markerOf('SluiceError') in value;
  }
}

/**
 * The `isInstance` guard of one error class, by its name. A plain function (no `this`),
 * so it can be passed around as a callback.
 */
export function errorGuard<T extends SluiceError>(
  className: string,
): (value: unknown) => value is T {
  const marker = markerOf(className);
  return (value: unknown): value is T =>
    typeof value === 'object' && value !== null && marker in value;
}
