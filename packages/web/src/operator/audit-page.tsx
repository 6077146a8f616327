/**
 * `/audit`: browse the audit log a page at a time (`GET /v1/audit/records`, by sequence)
 * and verify the hash chain against its checkpoint (`GET /v1/audit/verify`).
 */
import { useCallback, useEffect, useState } from 'react';
import { apiJson, describeError } from '../shared/api.ts';

const PAGE_SIZE = 50;

interface AuditRecord {
  sequence: number;
  id: string;
  recordedAt: string;
  type: string;
  tenant?: string;
  actor?: string;
  generationId?: string;
  payload: unknown;
}

interface Verification {
  ok: boolean;
  count: number;
  headHash?: string;
  message?: string;
  firstBroken?: unknown;
  checkpointProblem?: unknown;
}

export function AuditPage() {
  const [records, setRecords] = useState<AuditRecord[]>([]);
  // The `afterSequence` of each page shown so far: the last one is the current page.
  const [pages, setPages] = useState<number[]>([0]);
  const [generationId, setGenerationId] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [verification, setVerification] = useState<Verification | undefined>(undefined);
  const after = pages.at(-1) ?? 0;

  const load = useCallback(async () => {
    try {
      const query = new URLSearchParams({ afterSequence: String(after), limit: String(PAGE_SIZE) });
      if (generationId.trim() !== '') query.set('generationId', generationId.trim());
      const answer = await apiJson<{ records: AuditRecord[] }>(`/v1/audit/records?${query}`);
      setRecords(answer.records);
      setError(undefined);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [after, generationId]);

  useEffect(() => {
    void load();
    const reload = () => void load();
    window.addEventListener('sluice-api-key', reload);
    return () => window.removeEventListener('sluice-api-key', reload);
  }, [load]);

  const verify = async () => {
    setVerification(undefined);
    try {
      setVerification(await apiJson<Verification>('/v1/audit/verify'));
      setError(undefined);
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  const last = records.at(-1);
  return (
    <main className="operator audit">
      <h1>Audit log</h1>
      <div className="toolbar">
        <button type="button" onClick={() => void verify()}>
          Verify chain
        </button>
        <label>
          Generation id
          <input
            value={generationId}
            onChange={(event) => {
              setGenerationId(event.target.value);
              setPages([0]);
            }}
          />
        </label>
        <button
          type="button"
          disabled={pages.length < 2}
          onClick={() => setPages(pages.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={last === undefined || records.length < PAGE_SIZE}
          onClick={() => last !== undefined && setPages([...pages, last.sequence])}
        >
          Next page
        </button>
      </div>
      {verification !== undefined && (
        <p
          className={verification.ok ? 'verify-ok' : 'verify-broken'}
          role="status"
          data-verify={verification.ok ? 'ok' : 'broken'}
        >
          {verification.ok
            ? `Chain verified: ${verification.count} records, head ${verification.headHash ?? ''}`
            : `Chain broken: ${verification.message ?? 'unknown problem'}`}
        </p>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="records">
        <thead>
          <tr>
            <th>#</th>
            <th>Recorded</th>
            <th>Type</th>
            <th>Tenant</th>
            <th>Generation</th>
            <th>Payload</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.id} data-sequence={record.sequence}>
              <td>{record.sequence}</td>
              <td>{new Date(record.recordedAt).toLocaleString()}</td>
              <td>{record.type}</td>
              <td>{record.tenant ?? ''}</td>
              <td>{record.generationId ?? ''}</td>
              <td>
                <details>
                  <summary>payload</summary>
                  <pre>
                    {record.payload === null ? 'erased' : JSON.stringify(record.payload, null, 2)}
                  </pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {records.length === 0 && error === undefined && <p className="empty">No records.</p>}
    </main>
  );
}
