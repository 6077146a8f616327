/**
 * Tenant isolation for reads: another tenant's resource is the same 404 as a missing one.
 */
import { describe, expect, test } from 'vitest';
import { HttpError } from '../http-error.ts';
import { assertTenantAccess, canAccessTenant } from './tenant-access.ts';

const caller = { tenant: 'acme', keyId: '0123456789abcdef', scopes: ['read'] as const };
const notFound = () => new HttpError('SLUICE_ERR_GENERATION_NOT_FOUND');

describe('tenant access', () => {
  test('own resources pass; another tenant’s and missing ones are the same 404', () => {
    expect(canAccessTenant(caller, 'acme')).toBe(true);
    expect(canAccessTenant(caller, 'globex')).toBe(false);
    expect(() => assertTenantAccess(caller, { id: 'g1', tenant: 'acme' }, notFound)).not.toThrow();
    const errors = [{ id: 'g2', tenant: 'globex' }, undefined].map((resource) => {
      try {
        assertTenantAccess(caller, resource, notFound);
      } catch (error) {
        return error;
      }
      return undefined;
    });
    for (const error of errors) {
      expect(HttpError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ statusCode: 404, code: 'SLUICE_ERR_GENERATION_NOT_FOUND' });
    }
    expect((errors[0] as Error).message).toBe((errors[1] as Error).message);
  });
});
