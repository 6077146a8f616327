/**
 * `/reviews`: the human review queue. Lists pending answers (`GET /v1/reviews`), and
 * approves or rejects one (`POST /v1/reviews/{id}/decision`); a stream held open for the
 * decision receives it live.
 */
import { useCallback, useEffect, useState } from 'react';
import { apiJson, describeError } from '../shared/api.ts';

interface ReviewItem {
  id: string;
  generationId: string;
  model: string;
  policyVersion: string;
  verdict: string;
  checks: Array<{ name: string; passed: boolean; message?: string }>;
  createdAt: string;
  status: string;
  tenant?: string;
}

type Filter = 'pending' | 'approved' | 'rejected';

export function ReviewsPage() {
  const [filter, setFilter] = useState<Filter>('pending');
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reviewer, setReviewer] = useState('operator');
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | undefined>(undefined);

  const load = useCallback(
    async (cursor?: string) => {
      try {
        const query = new URLSearchParams({ status: filter, limit: '50' });
        if (cursor !== undefined) query.set('cursor', cursor);
        const page = await apiJson<{ items: ReviewItem[]; nextCursor?: string }>(
          `/v1/reviews?${query}`,
        );
        setItems((current) => (cursor === undefined ? page.items : [...current, ...page.items]));
        setNextCursor(page.nextCursor);
        setError(undefined);
      } catch (failure) {
        setError(describeError(failure));
      }
    },
    [filter],
  );

  useEffect(() => {
    void load();
    const reload = () => void load();
    window.addEventListener('sluice-api-key', reload);
    return () => window.removeEventListener('sluice-api-key', reload);
  }, [load]);

  const decide = async (item: ReviewItem, decision: 'approved' | 'rejected') => {
    try {
      const answer = await apiJson<{ deliveredToStream?: boolean }>(
        `/v1/reviews/${encodeURIComponent(item.id)}/decision`,
        { method: 'POST', body: JSON.stringify({ decision, reviewer, note }) },
      );
      setMessage(
        `${decision === 'approved' ? 'Approved' : 'Rejected'} ${item.generationId}` +
          (answer.deliveredToStream ? ' — delivered to the waiting stream.' : '.'),
      );
      await load();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <main className="operator reviews">
      <h1>Reviews</h1>
      <div className="toolbar">
        <label>
          Show
          <select value={filter} onChange={(event) => setFilter(event.target.value as Filter)}>
            <option value="pending">pending</option>
            <option value="approved">approved</option>
            <option value="rejected">rejected</option>
          </select>
        </label>
        <label>
          Reviewer
          <input value={reviewer} onChange={(event) => setReviewer(event.target.value)} />
        </label>
        <label>
          Note
          <input value={note} onChange={(event) => setNote(event.target.value)} />
        </label>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {message !== undefined && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {items.length === 0 && error === undefined && <p className="empty">No {filter} items.</p>}
      <ul className="review-list">
        {items.map((item) => (
          <li key={item.id} className="review-item" data-generation-id={item.generationId}>
            <p>
              <strong>{item.generationId}</strong> · {item.model} · {item.policyVersion} ·{' '}
              {new Date(item.createdAt).toLocaleString()}
              {item.tenant === undefined ? '' : ` · tenant ${item.tenant}`}
            </p>
            <ul className="checks">
              {item.checks.map((check) => (
                <li key={check.name} className={check.passed ? 'passed' : 'failed'}>
                  {check.name}: {check.passed ? 'passed' : 'failed'}
                  {check.message === undefined ? '' : ` — ${check.message}`}
                </li>
              ))}
            </ul>
            {item.status === 'pending' ? (
              <div className="decision-buttons">
                <button type="button" onClick={() => void decide(item, 'approved')}>
                  Approve
                </button>
                <button type="button" onClick={() => void decide(item, 'rejected')}>
                  Reject
                </button>
              </div>
            ) : (
              <p>{item.status}</p>
            )}
          </li>
        ))}
      </ul>
      {nextCursor !== undefined && (
        <button type="button" onClick={() => void load(nextCursor)}>
          More
        </button>
      )}
    </main>
  );
}
