/**
 * Who may do how much: the quota policy per tenant, per API key and per client address,
 * as configured under `limits`. Every limit is optional and absent means unlimited, except
 * a tenant's concurrent generations: a finite built-in default (`null` lifts it), so one
 * key cannot start generations without bound. `default` entries are templates that each
 * tenant (or key) gets its own copy of, never a budget shared between them.
 */
import { z } from 'zod';

/** The limits a request can run into; the names appear in headers, events and docs. */
export const QUOTA_LIMIT_NAMES = [
  'requests-per-minute',
  'tokens-per-minute',
  'concurrent-generations',
  'concurrent-streams',
] as const;
export type QuotaLimitName = (typeof QUOTA_LIMIT_NAMES)[number];

/** Whose limit it is. */
export const QUOTA_SCOPES = ['tenant', 'key', 'client-ip'] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

/** The window of the per-minute limits. */
export const MINUTE_MS = 60_000;

/** A positive whole limit; `null` says "unlimited" explicitly, overriding a default. */
const limitValueSchema = z.number().int().positive().nullable().optional();

export const subjectLimitsSchema = z
  .object({
    requestsPerMinute: limitValueSchema,
    /** Prompt and output tokens, counted as they stream. */
    tokensPerMinute: limitValueSchema,
    concurrentGenerations: limitValueSchema,
    /** Open reading connections (SSE, long-poll, WebSocket). */
    concurrentStreams: limitValueSchema,
  })
  .strict();

export const clientIpLimitsSchema = z
  .object({
    concurrentStreams: limitValueSchema,
  })
  .strict();

export const quotaPolicySchema = z
  .object({
    /** Per tenant; `default` applies to tenants without an entry and fills gaps in entries. */
    tenants: z.record(z.string().min(1), subjectLimitsSchema).default({}),
    /** Per API key id (never the key itself); `default` works as for tenants. */
    keys: z.record(z.string().min(1), subjectLimitsSchema).default({}),
    perClientIp: clientIpLimitsSchema.prefault({}),
  })
  .strict();

export type SubjectLimitsInput = z.input<typeof subjectLimitsSchema>;
export type QuotaPolicyInput = z.input<typeof quotaPolicySchema>;
export type QuotaPolicy = z.output<typeof quotaPolicySchema>;

/** One subject's limits after defaults; `undefined` is unlimited. */
export interface SubjectLimits {
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  readonly concurrentGenerations: number | undefined;
  readonly concurrentStreams: number | undefined;
}

export const UNLIMITED: SubjectLimits = Object.freeze({
  requestsPerMinute: undefined,
  tokensPerMinute: undefined,
  concurrentGenerations: undefined,
  concurrentStreams: undefined,
});

export const DEFAULT_ENTRY = 'default';

/**
 * Concurrent generations per tenant when neither its entry nor `default` sets a number:
 * every running generation holds an upstream connection and memory until it ends.
 */
export const DEFAULT_TENANT_CONCURRENT_GENERATIONS = 5_000;

type LimitsEntry = z.output<typeof subjectLimitsSchema>;

/** Parses a policy; throws zod's error, whose issues carry the path of each problem. */
export function parseQuotaPolicy(input: unknown): QuotaPolicy {
  return quotaPolicySchema.parse(input);
}

/** The limits of one tenant: its entry over the `default` entry. */
export function tenantLimits(policy: QuotaPolicy, tenant: string): SubjectLimits {
  const limits = resolve(policy.tenants, tenant);
  const own = Object.hasOwn(policy.tenants, tenant) ? policy.tenants[tenant] : undefined;
  const fallback = Object.hasOwn(policy.tenants, DEFAULT_ENTRY)
    ? policy.tenants[DEFAULT_ENTRY]
    : undefined;
  // `null` in either entry lifts the built-in default explicitly.
  const lifted = own?.concurrentGenerations === null || fallback?.concurrentGenerations === null;
  if (limits.concurrentGenerations !== undefined || lifted) return limits;
  return { ...limits, concurrentGenerations: DEFAULT_TENANT_CONCURRENT_GENERATIONS };
}

/** The limits of one API key id: its entry over the `default` entry. */
export function keyLimits(policy: QuotaPolicy, keyId: string): SubjectLimits {
  return resolve(policy.keys, keyId);
}

/** The concurrent-stream limit for one client address (the same for every address). */
export function clientIpStreamLimit(policy: QuotaPolicy): number | undefined {
  return policy.perClientIp.concurrentStreams ?? undefined;
}

function resolve(entries: Record<string, LimitsEntry>, name: string): SubjectLimits {
  // Own properties only: a tenant called `constructor` must not find Object's prototype.
  const own = name !== DEFAULT_ENTRY && Object.hasOwn(entries, name) ? entries[name] : undefined;
  const fallback = Object.hasOwn(entries, DEFAULT_ENTRY) ? entries[DEFAULT_ENTRY] : undefined;
  if (own === undefined && fallback === undefined) return UNLIMITED;
  return {
    requestsPerMinute: pick(own?.requestsPerMinute, fallback?.requestsPerMinute),
    tokensPerMinute: pick(own?.tokensPerMinute, fallback?.tokensPerMinute),
    concurrentGenerations: pick(own?.concurrentGenerations, fallback?.concurrentGenerations),
    concurrentStreams: pick(own?.concurrentStreams, fallback?.concurrentStreams),
  };
}

function pick(
  own: number | null | undefined,
  fallback: number | null | undefined,
): number | undefined {
  if (own === null) return undefined;
  return own ?? fallback ?? undefined;
}
