/**
 * Whether the running gateway is in open mode, and the one way it leaves it. `auth.mode:
 * auto` starts open only on a loopback address of a deployment that never had a key;
 * the first key — made through the admin API (`keyCreated`) or by the CLI in another
 * process (seen by a poll of the key store) — turns keys mode on, and nothing turns it
 * off again: revoking every key leaves a gateway that answers 401, never an open one.
 * Since revoked keys stay in the store, a restart stays in keys mode too; only an
 * operator setting `auth.mode: open` (loopback only) opens it again.
 */
import type { ApiKeyStore } from '../../control/tenants/api-key-store.ts';
import { type AuthMode, resolveOpenMode } from '../../control/tenants/open-mode.ts';

export interface OpenModeSwitch {
  isOpen(): boolean;
  /** A key was just created through this gateway: keys mode from this request on. */
  keyCreated(): void;
  /** Stops the poll. */
  close(): void;
}

export interface OpenModeSwitchOptions {
  mode: AuthMode;
  /** The address the gateway listens on. */
  host: string;
  keys: ApiKeyStore;
  /** How often an open `auto` gateway looks for a key made elsewhere; default 1000 ms. */
  pollMs?: number;
  /** A failed look at the store (the gateway stays as it is). */
  onError: (error: unknown) => void;
}

/** Throws `UnsafeBindingError` when the configuration would expose a keyless gateway. */
export async function createOpenModeSwitch(
  options: OpenModeSwitchOptions,
): Promise<OpenModeSwitch> {
  const { mode, host, keys } = options;
  const [keysConfigured, keysEverCreated] = await Promise.all([
    keys.hasActiveKeys(),
    keys.hasHadKeys(),
  ]);
  let open = resolveOpenMode({ mode, host, keysConfigured, keysEverCreated });
  let poll: NodeJS.Timeout | undefined;
  const closeForGood = () => {
    open = false;
    clearInterval(poll);
  };
  if (open && mode === 'auto') {
    poll = setInterval(() => {
      keys.hasHadKeys().then((had) => {
        if (had) closeForGood();
      }, options.onError);
    }, options.pollMs ?? 1000).unref();
  }
  return {
    isOpen: () => open,
    keyCreated() {
      if (mode === 'auto') closeForGood();
    },
    close() {
      clearInterval(poll);
    },
  };
}
