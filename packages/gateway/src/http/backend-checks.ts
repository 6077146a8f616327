/**
 * Readiness of the shared backends a node depends on (`store.kind: redis`,
 * `governance.kind: postgres`): one cheap round trip each, bounded in time, reported by
 * `/readyz`, which answers 503 while any is down so a load balancer sends the node no
 * new work. The embedded backends (memory, SQLite) are in the process and always ready.
 */
export interface BackendCheck {
  /** What depends on it: `store` or `governance`. */
  readonly role: string;
  /** `memory`, `redis`, `sqlite` or `postgres`. */
  readonly kind: string;
  /** Resolves when the backend answers; absent for embedded backends. */
  readonly ping?: () => Promise<unknown>;
}

export interface BackendStatus {
  role: string;
  kind: string;
  ok: boolean;
  /** Why not, without addresses or credentials (a code such as `ECONNREFUSED`, or `timeout`). */
  error?: string;
}

/** How long one backend may take to answer before it counts as down. */
const PING_TIMEOUT_MS = 1_000;

export async function checkBackends(checks: readonly BackendCheck[]): Promise<BackendStatus[]> {
  return Promise.all(
    checks.map(async ({ role, kind, ping }) => {
      if (ping === undefined) return { role, kind, ok: true };
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(),
          new Promise((_resolve, reject) => {
            timer = setTimeout(
              () => reject(Object.assign(new Error('timeout'), { code: 'timeout' })),
              PING_TIMEOUT_MS,
            );
          }),
        ]);
        return { role, kind, ok: true };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return { role, kind, ok: false, error: typeof code === 'string' ? code : 'unavailable' };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
