/**
 * What a Chat Completions client's disconnect means. OpenAI's own streams stop when the
 * client goes away, and OpenAI clients have no way to resume, so on `/v1/chat/completions`
 * a disconnect cancels the generation (and with it the upstream request) unless the client
 * opts in to Sluice's resumable behaviour: `onDisconnect: "continue"` in the body, or the
 * header `Sluice-On-Disconnect: continue`, which an SDK can set once for every request
 * (`defaultHeaders`) without touching request bodies. The native API keeps `continue`.
 */
import type { OnDisconnect } from '@sluice/protocol';
import { HttpError } from '../http-error.ts';

/** The opt-in header, as Node presents header names (lower case). */
export const ON_DISCONNECT_HEADER = 'sluice-on-disconnect';

/** Without a choice, an OpenAI client's disconnect cancels, as it does at OpenAI. */
export const OPENAI_DEFAULT_ON_DISCONNECT: OnDisconnect = 'cancel';

const HEADER_VALUES: ReadonlySet<string> = new Set<OnDisconnect>(['continue', 'cancel']);

/** The header's choice (case-insensitive); undefined when absent; a 400 naming it otherwise. */
function fromHeader(header: string | string[] | undefined): OnDisconnect | undefined {
  if (header === undefined) return undefined;
  // Node joins repeated custom headers with ", ", which no valid value contains.
  const value = (Array.isArray(header) ? header.join(', ') : header).trim().toLowerCase();
  if (!HEADER_VALUES.has(value)) {
    throw new HttpError(
      'SLUICE_ERR_INVALID_REQUEST',
      'Sluice-On-Disconnect: must be "continue" or "cancel"',
    );
  }
  return value as OnDisconnect;
}

/**
 * The generation's `onDisconnect` for a Chat Completions request: the body's field or the
 * header (they must agree when both are given), `cancel` when neither is.
 */
export function onDisconnectFromOpenAi(
  fromBody: OnDisconnect | undefined,
  header: string | string[] | undefined,
): OnDisconnect {
  const headerChoice = fromHeader(header);
  if (fromBody !== undefined && headerChoice !== undefined && fromBody !== headerChoice) {
    throw new HttpError(
      'SLUICE_ERR_INVALID_REQUEST',
      'onDisconnect: the body and the Sluice-On-Disconnect header disagree',
    );
  }
  return fromBody ?? headerChoice ?? OPENAI_DEFAULT_ON_DISCONNECT;
}
