/**
 * Keeps a metric label's set of values bounded. Values normally come from
 * configuration (models, providers, tenants) or fixed vocabularies, but a label fed by
 * anything else (a custom detector name, a provider's error code) must not be able to
 * grow `/metrics` without limit: after `limit` distinct values, new ones are reported
 * as `other`, and values that are too long or carry unexpected characters are too.
 */

export const OVERFLOW_LABEL_VALUE = 'other';

const MAXIMUM_VALUE_LENGTH = 64;
// Names, codes and kinds only: nothing that looks like free text or an id with spaces.
const ACCEPTABLE_VALUE = /^[A-Za-z0-9_.:@/-]+$/;

export class BoundedLabel {
  readonly #limit: number;
  readonly #seen = new Set<string>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The value to report for `raw`: itself while the label is within its bound. */
  value(raw: string): string {
    if (this.#seen.has(raw)) return raw;
    if (
      this.#seen.size >= this.#limit ||
      raw.length === 0 ||
      raw.length > MAXIMUM_VALUE_LENGTH ||
      !ACCEPTABLE_VALUE.test(raw)
    ) {
      return OVERFLOW_LABEL_VALUE;
    }
    this.#seen.add(raw);
    return raw;
  }
}
