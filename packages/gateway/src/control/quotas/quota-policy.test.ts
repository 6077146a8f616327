/**
 * The quota policy: unlimited by default except a tenant's concurrent generations,
 * defaults as templates merged under entries, explicit `null` for unlimited, and names
 * that are not own entries never resolve.
 */
import { describe, expect, test } from 'vitest';
import {
  clientIpStreamLimit,
  DEFAULT_TENANT_CONCURRENT_GENERATIONS,
  keyLimits,
  parseQuotaPolicy,
  tenantLimits,
  UNLIMITED,
} from './quota-policy.ts';

describe('quota policy', () => {
  test("an empty policy limits nothing but a tenant's concurrent generations", () => {
    const policy = parseQuotaPolicy({});
    expect(tenantLimits(policy, 'acme')).toEqual({
      ...UNLIMITED,
      concurrentGenerations: DEFAULT_TENANT_CONCURRENT_GENERATIONS,
    });
    expect(keyLimits(policy, 'k1')).toEqual(UNLIMITED);
    expect(clientIpStreamLimit(policy)).toBeUndefined();
  });

  test('the built-in concurrent-generation default gives way to a number or an explicit null', () => {
    const policy = parseQuotaPolicy({
      tenants: { acme: { concurrentGenerations: 5 }, lab: { concurrentGenerations: null } },
    });
    expect(tenantLimits(policy, 'acme').concurrentGenerations).toBe(5);
    expect(tenantLimits(policy, 'lab').concurrentGenerations).toBeUndefined();
    const lifted = parseQuotaPolicy({ tenants: { default: { concurrentGenerations: null } } });
    expect(tenantLimits(lifted, 'anyone').concurrentGenerations).toBeUndefined();
  });

  test('a tenant entry fills its gaps from default; null means unlimited', () => {
    const policy = parseQuotaPolicy({
      tenants: {
        default: { requestsPerMinute: 60, tokensPerMinute: 10_000, concurrentStreams: 20 },
        acme: { tokensPerMinute: 50_000, concurrentStreams: null },
      },
      perClientIp: { concurrentStreams: 8 },
    });
    expect(tenantLimits(policy, 'acme')).toEqual({
      requestsPerMinute: 60,
      tokensPerMinute: 50_000,
      concurrentGenerations: DEFAULT_TENANT_CONCURRENT_GENERATIONS,
      concurrentStreams: undefined,
    });
    expect(tenantLimits(policy, 'unknown')).toMatchObject({ tokensPerMinute: 10_000 });
    expect(clientIpStreamLimit(policy)).toBe(8);
  });

  test('keys resolve like tenants', () => {
    const policy = parseQuotaPolicy({
      keys: { default: { concurrentGenerations: 2 }, k1: { requestsPerMinute: 5 } },
    });
    expect(keyLimits(policy, 'k1')).toMatchObject({
      requestsPerMinute: 5,
      concurrentGenerations: 2,
    });
    expect(keyLimits(policy, 'k2')).toMatchObject({ requestsPerMinute: undefined });
  });

  test('names of Object.prototype members are ordinary unknown tenants', () => {
    const policy = parseQuotaPolicy({ tenants: { default: { requestsPerMinute: 7 } } });
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(tenantLimits(policy, name)).toMatchObject({ requestsPerMinute: 7 });
    }
  });

  test('refuses limits that are not positive whole numbers, with the path', () => {
    for (const bad of [0, -1, 1.5, '10']) {
      expect(() => parseQuotaPolicy({ tenants: { acme: { requestsPerMinute: bad } } })).toThrow(
        /tenants.*acme.*requestsPerMinute|requestsPerMinute/s,
      );
    }
    expect(() => parseQuotaPolicy({ tenants: { acme: { requestsPerSecond: 1 } } })).toThrow();
    expect(() => parseQuotaPolicy({ perClientIp: { tokensPerMinute: 1 } })).toThrow();
  });
});
