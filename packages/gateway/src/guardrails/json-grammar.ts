/**
 * The grammar of JSON, one token at a time: a stack of open containers and what may come
 * next. The arguments redactor lexes the text itself (it must, to redact inside strings as
 * they stream); this tells it, token by token, whether the text is still valid JSON, so it
 * can fall back to plain-text redaction at the first token that is not, and report at the
 * end whether the whole text was one JSON value — the same answer `JSON.parse` gives.
 */

/** The characters after a backslash in a JSON string that stand for one character. */
export const JSON_SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export type JsonToken =
  | 'open-object'
  | 'close-object'
  | 'open-array'
  | 'close-array'
  | 'colon'
  | 'comma'
  | 'string'
  /** A number or `true`, `false`, `null` (checked by `isJsonScalar`). */
  | 'scalar';

type Expectation =
  | 'value'
  | 'key-or-close'
  | 'key'
  | 'colon'
  | 'value-or-close'
  | 'comma-or-close'
  | 'done';

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A bare token (outside strings) that JSON allows. */
export function isJsonScalar(token: string): boolean {
  return token === 'true' || token === 'false' || token === 'null' || NUMBER.test(token);
}

export class JsonGrammar {
  readonly #containers: Array<'object' | 'array'> = [];
  #expectation: Expectation = 'value';

  /** Exactly one complete value has been read (trailing whitespace aside). */
  get complete(): boolean {
    return this.#expectation === 'done';
  }

  /** Takes the next token; false when JSON does not allow it here (the state is then kept). */
  accept(token: JsonToken): boolean {
    const expectation = this.#expectation;
    const container = this.#containers.at(-1);
    const valueExpected = expectation === 'value' || expectation === 'value-or-close';
    switch (token) {
      case 'open-object':
      case 'open-array':
        if (!valueExpected) return false;
        this.#containers.push(token === 'open-object' ? 'object' : 'array');
        this.#expectation = token === 'open-object' ? 'key-or-close' : 'value-or-close';
        return true;
      case 'close-object':
      case 'close-array': {
        const kind = token === 'close-object' ? 'object' : 'array';
        const empty = expectation === (kind === 'object' ? 'key-or-close' : 'value-or-close');
        if (container !== kind || !(empty || expectation === 'comma-or-close')) return false;
        this.#containers.pop();
        this.#afterValue();
        return true;
      }
      case 'colon':
        if (expectation !== 'colon') return false;
        this.#expectation = 'value';
        return true;
      case 'comma':
        if (expectation !== 'comma-or-close') return false;
        this.#expectation = container === 'object' ? 'key' : 'value';
        return true;
      case 'string':
        if (expectation === 'key' || expectation === 'key-or-close') {
          this.#expectation = 'colon';
          return true;
        }
        if (!valueExpected) return false;
        this.#afterValue();
        return true;
      case 'scalar':
        if (!valueExpected) return false;
        this.#afterValue();
        return true;
    }
  }

  #afterValue(): void {
    this.#expectation = this.#containers.length === 0 ? 'done' : 'comma-or-close';
  }
}
