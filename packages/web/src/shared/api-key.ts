/**
 * The API key the pages send as `Authorization: Bearer …` when the gateway runs in keys
 * mode. Kept in `sessionStorage` only: it leaves with the tab, never lands in a file or
 * in `localStorage`, and is never put in a URL.
 */
const STORAGE_KEY = 'sluice.apiKey';

export function readApiKey(): string | undefined {
  try {
    const key = sessionStorage.getItem(STORAGE_KEY);
    return key === null || key === '' ? undefined : key;
  } catch {
    return undefined; // storage disabled: the pages work in open mode
  }
}

export function writeApiKey(key: string): void {
  try {
    if (key === '') sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key lasts until the page reloads.
  }
  window.dispatchEvent(new Event('sluice-api-key'));
}
