/**
 * The playground (`/`): a chat over `@sluice/client`. Each answer is a generation read
 * with auto-resume; Stop cancels it at the gateway, Regenerate re-runs the last user
 * message, and a reload resumes the streaming answer from the offset stored with its
 * text (see `chat-snapshot.ts`), so nothing is shown twice.
 */
import {
  type GenerateRequest,
  type Generation,
  type GenerationEvent,
  SluiceClient,
} from '@sluice/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { readApiKey } from '../shared/api-key.ts';
import { AssistantMessage, preloadMarkdown } from './assistant-message.tsx';
import { loadSnapshot, saveSnapshot } from './chat-snapshot.ts';
import {
  type AssistantTurn,
  applyEvent,
  type ChatTurn,
  newAssistantTurn,
  type UserTurn,
} from './chat-turns.ts';
import {
  DEFAULT_SETTINGS,
  RequestOptionsPanel,
  type RequestSettings,
  requestOptions,
  useModels,
} from './request-options.tsx';
import { useFollowScroll } from './use-follow-scroll.ts';

/** How often at most the conversation is written to sessionStorage while streaming. */
const SNAPSHOT_INTERVAL_MS = 200;

let keySequence = 0;
const nextKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${keySequence++}`;

function client(): SluiceClient {
  return new SluiceClient({ baseUrl: window.location.origin, apiKey: readApiKey() });
}

/** The conversation up to `turns`' end as request messages (retracted answers left out). */
function historyOf(turns: readonly ChatTurn[]): GenerateRequest['messages'] {
  return turns.flatMap((turn): GenerateRequest['messages'] => {
    if (turn.role === 'user') return [{ role: 'user', content: turn.text }];
    if (turn.retraction !== undefined || turn.text === '') return [];
    return [{ role: 'assistant', content: turn.text }];
  });
}

function isLive(turn: ChatTurn | undefined): turn is AssistantTurn {
  return turn?.role === 'assistant' && (turn.phase === 'waiting' || turn.phase === 'streaming');
}

export function Playground() {
  const [turns, setTurns] = useState<ChatTurn[]>(loadSnapshot);
  const [draft, setDraft] = useState('');
  const [settings, setSettings] = useState<RequestSettings>(DEFAULT_SETTINGS);
  const { models, error: modelsError } = useModels();
  const active = useRef<Generation | undefined>(undefined);
  const list = useRef<HTMLDivElement>(null);
  const { atEnd, onScroll, jumpToEnd } = useFollowScroll(list, turns);
  const streaming = isLive(turns.at(-1));

  // Persist: throttled while streaming, at once when the page goes away.
  const latest = useRef(turns);
  latest.current = turns;
  useEffect(() => {
    const timer = setTimeout(() => saveSnapshot(turns), SNAPSHOT_INTERVAL_MS);
    return () => clearTimeout(timer);
  }, [turns]);
  useEffect(() => {
    const flush = () => saveSnapshot(latest.current);
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, []);

  useEffect(preloadMarkdown, []);

  // Default to the simulator, or the first model the gateway lists.
  useEffect(() => {
    const first = models[0];
    if (first !== undefined && !models.some((model) => model.id === settings.model)) {
      setSettings((current) => ({ ...current, model: first.id }));
    }
  }, [models, settings.model]);

  const update = useCallback((key: string, change: (turn: AssistantTurn) => AssistantTurn) => {
    setTurns((current) =>
      current.map((turn) => (turn.role === 'assistant' && turn.key === key ? change(turn) : turn)),
    );
  }, []);

  const read = useCallback(
    async (generation: Generation, key: string) => {
      active.current = generation;
      generation.id.then(
        (id) => update(key, (turn) => ({ ...turn, generationId: id })),
        () => {
          // A refused start is reported by the iterator below.
        },
      );
      // Events are folded in once per frame: a fast stream costs one render a frame.
      let pending: Array<{ event: GenerationEvent; offset: string; at: number }> = [];
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        const batch = pending;
        pending = [];
        if (batch.length === 0) return;
        update(key, (turn) =>
          batch.reduce(
            (current, item) => applyEvent(current, item.event, item.offset, item.at),
            turn,
          ),
        );
      };
      try {
        for await (const { event, offset } of generation.withOffsets()) {
          pending.push({ event, offset, at: Date.now() });
          if (!scheduled) {
            scheduled = true;
            // A hidden tab gets no animation frames: the timer keeps it current anyway.
            const timer = setTimeout(flush, 100);
            requestAnimationFrame(() => {
              clearTimeout(timer);
              flush();
            });
          }
        }
        flush();
      } catch (error) {
        flush();
        const message = error instanceof Error ? error.message : String(error);
        update(key, (turn) => ({ ...turn, phase: 'failed', error: message }));
      } finally {
        if (active.current === generation) active.current = undefined;
      }
    },
    [update],
  );

  const start = useCallback(
    (history: readonly ChatTurn[]) => {
      const key = nextKey('assistant');
      const request: GenerateRequest = {
        ...requestOptions(settings, models),
        messages: historyOf(history),
      };
      setTurns([...history, newAssistantTurn(key, Date.now())]);
      void read(client().generate(request), key);
    },
    [models, read, settings],
  );

  // After a reload: resume each answer still streaming or held open for a review
  // decision, after the offset stored with its text.
  const resumed = useRef(false);
  useEffect(() => {
    if (resumed.current) return;
    resumed.current = true;
    for (const turn of latest.current) {
      if (turn.role !== 'assistant') continue;
      if (turn.phase !== 'waiting' && turn.phase !== 'streaming' && !turn.awaitingReview) continue;
      if (turn.generationId === undefined) {
        update(turn.key, (current) => ({
          ...current,
          phase: 'failed',
          error: 'The page was reloaded before the generation started.',
        }));
        continue;
      }
      const generation = client().resume(turn.generationId, { offset: turn.offset });
      void read(generation, turn.key);
    }
  }, [read, update]);

  const send = () => {
    const text = draft.trim();
    if (text === '' || streaming) return;
    const user: UserTurn = { role: 'user', key: nextKey('user'), text };
    setDraft('');
    start([...turns, user]);
  };

  const regenerate = () => {
    if (streaming) return;
    const lastUser = turns.findLastIndex((turn) => turn.role === 'user');
    if (lastUser < 0) return;
    start(turns.slice(0, lastUser + 1));
  };

  const stop = () => {
    const generation = active.current;
    if (generation === undefined) return;
    generation.cancel().catch((error: unknown) => {
      const last = latest.current.at(-1);
      if (last?.role === 'assistant') {
        const message = error instanceof Error ? error.message : String(error);
        update(last.key, (turn) => ({ ...turn, notices: [...turn.notices, message] }));
      }
    });
  };

  return (
    <main className="playground">
      <section className="chat" aria-label="Chat">
        <div className="messages" ref={list} onScroll={onScroll} data-testid="messages">
          {turns.length === 0 && (
            <p className="empty">Ask something. Answers stream from the selected model.</p>
          )}
          {turns.map((turn) =>
            turn.role === 'user' ? (
              <article className="message user" data-role="user" key={turn.key}>
                <span className="speaker">You</span>
                <p>{turn.text}</p>
              </article>
            ) : (
              <AssistantMessage turn={turn} key={turn.key} />
            ),
          )}
        </div>
        {!atEnd && (
          <button type="button" className="jump" onClick={jumpToEnd}>
            Jump to latest
          </button>
        )}
        <form
          className="composer"
          onSubmit={(event) => {
            event.preventDefault();
            send();
          }}
        >
          <label className="visually-hidden" htmlFor="message">
            Message
          </label>
          <textarea
            id="message"
            rows={3}
            value={draft}
            placeholder="Message"
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
                event.preventDefault();
                send();
              }
            }}
          />
          <div className="composer-buttons">
            <button type="submit" disabled={streaming || draft.trim() === ''}>
              Send
            </button>
            <button type="button" onClick={stop} disabled={!streaming}>
              Stop
            </button>
            <button
              type="button"
              onClick={regenerate}
              disabled={streaming || !turns.some((turn) => turn.role === 'user')}
            >
              Regenerate
            </button>
          </div>
        </form>
      </section>
      <RequestOptionsPanel
        settings={settings}
        onChange={setSettings}
        models={models}
        modelsError={modelsError}
      />
    </main>
  );
}
