/**
 * PostgreSQL lost while serving, through a real TCP relay in front of the local server
 * that the test cuts and restores: stores answer `SLUICE_ERR_BACKEND_UNAVAILABLE` quickly
 * instead of hanging or a 500, and work again by themselves once the database is back.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SluiceError } from '../../errors/sluice-error.ts';
import { openPgGovernancePool } from './open-pg-governance-pool.ts';
import { PgApiKeyStore } from './pg-api-key-store.ts';
import { PgAuditLog } from './pg-audit-log.ts';
import { isPgUnavailable } from './pg-backend-unavailable.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

/** A TCP relay to the PostgreSQL server that can be cut (every socket) and restored. */
async function startRelay(target: URL, port = 0): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A cut relay resets both ends; the pool sees the loss on its side.
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    cut: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('PostgreSQL governance when the database goes away', () => {
  test('stores answer 503 BACKEND_UNAVAILABLE, then recover by themselves', async () => {
    const target = new URL(database.url);
    let relay = await startRelay(target);
    const url = new URL(database.url);
    url.port = String(relay.port);
    const pool = await openPgGovernancePool({
      url: url.toString(),
      schema: database.nextSchema(),
      connectTimeoutMs: 1_000,
    });
    try {
      const auditLog = await PgAuditLog.open(pool);
      const keys = new PgApiKeyStore({ pool });
      const input = { type: 'generation-cancelled', payload: { reason: 'client' } } as const;
      await auditLog.append(input);
      await relay.cut();
      const failures = await Promise.allSettled([auditLog.append(input), keys.hasActiveKeys()]);
      for (const failure of failures) {
        expect(failure.status).toBe('rejected');
        const reason = (failure as PromiseRejectedResult).reason;
        expect(SluiceError.isInstance(reason)).toBe(true);
        expect(reason).toMatchObject({
          code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
          status: 503,
          retryable: true,
        });
      }
      relay = await startRelay(target, relay.port);
      await expect(auditLog.append(input)).resolves.toMatchObject({ sequence: 2 });
      await expect(keys.hasActiveKeys()).resolves.toBe(false);
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 2 });
    } finally {
      await pool.end();
      await relay.cut();
    }
  });

  test('only connection failures count as unavailable', () => {
    expect(isPgUnavailable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isPgUnavailable(Object.assign(new Error('admin shutdown'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isPgUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPgUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(
      false,
    );
    expect(isPgUnavailable('ECONNREFUSED')).toBe(false);
  });
});
