/**
 * One assistant answer: streamed markdown with a typing cursor, reasoning and tool calls
 * as collapsible cards, the verdict badge (`data-verdict`), a review decision, a
 * retraction (struck through, with the reason), and time to first token and tokens/s.
 */
import { lazy, Suspense } from 'react';
import { type AssistantTurn, tokensPerSecond } from './chat-turns.ts';
import { markdownBlocks } from './markdown-blocks.ts';

// Markdown and highlighting load after the first render: an empty chat does not need them.
const loadMarkdownView = () => import('./markdown-view.tsx');
const MarkdownView = lazy(() =>
  loadMarkdownView().then((module) => ({ default: module.MarkdownView })),
);

/** Fetches the markdown renderer ahead of the first answer (after the first paint). */
export function preloadMarkdown(): void {
  loadMarkdownView().catch(() => {
    // Offline or a stale build: the answer shows as plain text until a reload.
  });
}

/** The answer's markdown, block by block (only the last block changes while streaming). */
function AnswerText({ text }: { text: string }) {
  return (
    // Until the renderer has loaded, the text shows as plain (escaped) text.
    <Suspense fallback={<p className="plain-answer">{text}</p>}>
      {markdownBlocks(text).map((block, index) => (
        // Blocks only ever grow at the end: a position is a stable identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <MarkdownView key={index} text={block} />
      ))}
    </Suspense>
  );
}

function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // still streaming, or not JSON: show it as it came
  }
}

function Metrics({ turn }: { turn: AssistantTurn }) {
  const ttft = turn.ttftMs ?? turn.clientTtftMs;
  const rate = tokensPerSecond(turn);
  const parts = [
    ttft === undefined ? 'TTFT —' : `TTFT ${Math.round(ttft)} ms`,
    rate === undefined ? '— tok/s' : `${rate.toFixed(1)} tok/s`,
  ];
  if (turn.outputTokens !== undefined) parts.push(`${turn.outputTokens} tokens`);
  if (turn.finishReason !== undefined) parts.push(turn.finishReason);
  return (
    <p className="metrics" data-testid="message-metrics">
      {parts.join(' · ')}
    </p>
  );
}

function VerdictBadge({ turn }: { turn: AssistantTurn }) {
  if (turn.verdict === undefined) return null;
  const label = turn.awaitingReview ? 'flagged · awaiting review' : turn.verdict;
  return (
    <span className={`verdict verdict-${turn.verdict}`} data-verdict={turn.verdict}>
      {label}
    </span>
  );
}

export function AssistantMessage({ turn }: { turn: AssistantTurn }) {
  const streaming = turn.phase === 'waiting' || turn.phase === 'streaming';
  return (
    <article
      className="message assistant"
      data-role="assistant"
      data-phase={turn.phase}
      data-generation-id={turn.generationId}
      aria-busy={streaming}
    >
      <div className="message-head">
        <span className="speaker">Assistant</span>
        <VerdictBadge turn={turn} />
      </div>
      {turn.reasoning !== '' && (
        <details className="reasoning">
          <summary>Reasoning</summary>
          <p>{turn.reasoning}</p>
        </details>
      )}
      <div className={turn.retraction === undefined ? 'answer' : 'answer retracted'}>
        {turn.retraction === undefined ? (
          <AnswerText text={turn.text} />
        ) : (
          <del>
            <AnswerText text={turn.text} />
          </del>
        )}
        {streaming && <span className="cursor" aria-hidden="true" />}
      </div>
      {turn.toolCalls.map((call) => (
        <details className="tool-call" key={call.index} data-tool-call={call.toolName}>
          <summary>
            Tool call: <code>{call.toolName}</code>
            {call.complete ? '' : ' (streaming…)'}
          </summary>
          <pre>{prettyArguments(call.arguments)}</pre>
        </details>
      ))}
      {turn.retraction !== undefined && (
        <p className="retraction" role="note">
          Retracted: {turn.retraction}
        </p>
      )}
      {turn.review !== undefined && (
        <p className="review-note" data-review-decision={turn.review.decision}>
          Review: {turn.review.decision} by {turn.review.reviewer}
          {turn.review.note === '' ? '' : ` — ${turn.review.note}`}
        </p>
      )}
      {turn.error !== undefined && (
        <p className="error" role="alert">
          {turn.error}
        </p>
      )}
      {turn.notices.map((notice) => (
        <p className="notice" key={notice}>
          {notice}
        </p>
      ))}
      <Metrics turn={turn} />
      {!streaming && (
        <details className="source">
          <summary>Markdown source</summary>
          <pre data-testid="answer-source">{turn.text}</pre>
        </details>
      )}
    </article>
  );
}
