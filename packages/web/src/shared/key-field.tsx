/**
 * The API-key field in the page header: what the pages send as a bearer token when the
 * gateway has keys. Empty means open mode (a loopback gateway without keys).
 */
import { useState } from 'react';
import { readApiKey, writeApiKey } from './api-key.ts';

export function KeyField() {
  const [value, setValue] = useState(readApiKey() ?? '');
  const [saved, setSaved] = useState(false);
  return (
    <form
      className="key-field"
      onSubmit={(event) => {
        event.preventDefault();
        writeApiKey(value.trim());
        setSaved(true);
      }}
    >
      <label>
        API key
        <input
          type="password"
          autoComplete="off"
          placeholder="none (open mode)"
          value={value}
          onChange={(event) => {
            setValue(event.target.value);
            setSaved(false);
          }}
        />
      </label>
      <button type="submit">Use key</button>
      <span className="key-saved" aria-live="polite">
        {saved ? 'Saved for this tab' : ''}
      </span>
    </form>
  );
}
