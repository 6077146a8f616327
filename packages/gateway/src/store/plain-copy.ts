/**
 * A deep copy of plain data (objects, arrays, strings, numbers, booleans, null): what a
 * generation record is by contract, since a networked store must serialise it. About seven
 * times cheaper than `structuredClone` for a record (0.5 µs against 3.5 µs), which runs
 * several times per generation in the memory store. Anything else (a Date, a Map, a class
 * instance) is not plain data and is refused, so a record that could not cross a network
 * fails here too.
 */
export function plainCopy<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index += 1) out[index] = copy(value[index]);
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError(`not plain data: ${prototype?.constructor?.name ?? 'object'}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
}
