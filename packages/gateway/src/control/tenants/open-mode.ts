/**
 * Whether the gateway may run without API keys. Open mode (every caller is the `default`
 * tenant with every scope) is for a developer's machine: it is allowed only on a
 * loopback address. A public interface without keys refuses to start rather than serve
 * everyone.
 */
import { isIP } from 'node:net';

export type AuthMode = 'auto' | 'keys' | 'open';

const UNSAFE_BINDING_ERROR = Symbol.for('sluice.tenants.unsafe-binding-error');

export class UnsafeBindingError extends Error {
  readonly [UNSAFE_BINDING_ERROR] = true;
  override readonly name = 'UnsafeBindingError';
  readonly retryable = false;
  readonly host: string;

  constructor(host: string, reason: string) {
    super(
      `Refusing to listen on ${host}: ${reason}. Open mode (no API keys) is only allowed on a ` +
        'loopback address (127.0.0.1, ::1, localhost). Create a key first with ' +
        '"sluice keys create --tenant T --name N --scopes generate,read", ' +
        'or listen on 127.0.0.1.',
    );
    this.host = host;
  }

  static isInstance(value: unknown): value is UnsafeBindingError {
    return typeof value === 'object' && value !== null && UNSAFE_BINDING_ERROR in value;
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped and bracketed) and the name `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost') return true;
  const family = isIP(lower);
  if (family === 4) return lower.startsWith('127.');
  // A zone index (`::1%lo`) names an interface; refuse rather than guess which one.
  if (family !== 6 || lower.includes('%')) return false;
  // The URL parser writes IPv6 in one canonical form: `::1`, and `::ffff:7f00:1` for a
  // mapped 127.0.0.1 however it was spelled.
  const canonical = new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** Throws `UnsafeBindingError` when `host` is not loopback and no API key exists. */
export function assertSafeBinding(options: { host: string; keysConfigured: boolean }): void {
  if (options.keysConfigured || isLoopbackHost(options.host)) return;
  throw new UnsafeBindingError(options.host, 'no API keys are configured');
}

/**
 * Decides whether the authenticator runs in open mode. `auto` is open exactly when no
 * key was ever created: once a deployment has had a key it stays in keys mode, even with
 * every key revoked, until an operator sets `open` (revoking the last key must never open
 * the gateway). `keys` always asks for keys (a loopback gateway with none answers 401
 * until one is created); `open` ignores keys but still only on loopback. Throws
 * `UnsafeBindingError` whenever the answer would expose an open or keyless gateway.
 */
export function resolveOpenMode(options: {
  mode: AuthMode;
  host: string;
  /** An active (unrevoked) key exists. */
  keysConfigured: boolean;
  /** A key was ever created, revoked ones included; `keysConfigured` when not given. */
  keysEverCreated?: boolean;
}): boolean {
  assertSafeBinding(options);
  if (options.mode === 'open') {
    if (!isLoopbackHost(options.host)) {
      throw new UnsafeBindingError(options.host, 'auth.mode is "open"');
    }
    return true;
  }
  if (options.mode === 'keys') return false;
  return !options.keysConfigured && !(options.keysEverCreated ?? false);
}
