/**
 * Validates what a new key is made of, for every store alike. Tenant ids end up in
 * records, logs and metric labels, so they are short, lowercase and printable.
 */
import { ApiKeyInputError } from './api-key-errors.ts';
import { API_KEY_SCOPES, type ApiKeyInput, type ApiKeyScope } from './api-key-store.ts';

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_KEY_NAME_LENGTH = 200;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function isTenantId(value: string): boolean {
  return TENANT_PATTERN.test(value);
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

/** The input with scopes de-duplicated in catalogue order; throws `ApiKeyInputError`. */
export function normalizeApiKeyInput(input: ApiKeyInput): ApiKeyInput & {
  scopes: ApiKeyScope[];
} {
  if (!isTenantId(input.tenant)) {
    throw new ApiKeyInputError(
      'tenant',
      'must be 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
    );
  }
  const name = input.name.trim();
  if (name === '' || name.length > MAX_KEY_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw new ApiKeyInputError('name', `must be 1-${MAX_KEY_NAME_LENGTH} printable characters`);
  }
  for (const scope of input.scopes) {
    if (!isApiKeyScope(scope)) {
      throw new ApiKeyInputError('scopes', `each must be one of ${API_KEY_SCOPES.join(', ')}`);
    }
  }
  const scopes = API_KEY_SCOPES.filter((scope) => input.scopes.includes(scope));
  if (scopes.length === 0) throw new ApiKeyInputError('scopes', 'must name at least one scope');
  return { tenant: input.tenant, name, scopes };
}
