/**
 * Tenant isolation for reads: a resource of another tenant is answered exactly like a
 * missing one (404, not 403), so ids of other tenants' generations cannot be probed.
 */
import type { HttpError } from '../http-error.ts';
import type { Caller } from './caller.ts';

export function canAccessTenant(caller: Caller, ownerTenant: string): boolean {
  return caller.tenant === ownerTenant;
}

/**
 * Throws `notFound()` unless the resource exists and belongs to the caller's tenant;
 * narrows it to defined otherwise.
 */
export function assertTenantAccess<Resource extends { tenant: string }>(
  caller: Caller,
  resource: Resource | undefined,
  notFound: () => HttpError,
): asserts resource is Resource {
  if (resource === undefined || !canAccessTenant(caller, resource.tenant)) throw notFound();
}
