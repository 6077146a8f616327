/**
 * The base of the gateway's own domain errors: each carries the HTTP status the API
 * answers with and whether a retry can help; `errorGuard()` makes each class's
 * `isInstance()`, which recognises it through a registry-wide symbol rather than
 * `instanceof`, so it works across module copies.
 */

function markerOf(className: string): symbol {
  return Symbol.for(`sluice.error.${className}`);
}

export abstract class SluiceError extends Error {
  abstract readonly status: number;
  readonly retryable: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
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
