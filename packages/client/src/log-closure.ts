/**
 * Knowing when a generation's log is closed, from the events alone. The gateway closes
 * the log after `response-final` — or, when a flagged answer is held for human review,
 * after the `review-decision` (and any retraction). A transport only sees its connection
 * end cleanly; this decides whether that end was the log's end or a cut to resume from.
 */
import type { GenerationEvent } from '@sluice/protocol';

export class LogClosure {
  #terminal = false;
  #final = false;
  #flagged = false;
  #decided = false;

  observe(event: GenerationEvent): void {
    switch (event.type) {
      case 'response-finish':
      case 'response-error':
        this.#terminal = true;
        break;
      case 'response-final':
        this.#final = true;
        this.#flagged = event.verdict === 'flagged';
        break;
      case 'review-decision':
        this.#decided = true;
        break;
      default:
        break;
    }
  }

  /**
   * Whether a connection that ended cleanly after `received` events ended with the log.
   * After the final verdict the log closes unless the answer is held for review; a held
   * answer's log may also close without a decision (a policy that flags but does not
   * hold), which shows as a clean end with nothing new after the verdict.
   */
  closedAfterCleanEnd(received: number): boolean {
    if (this.#final && (!this.#flagged || this.#decided)) return true;
    return this.#terminal && received === 0;
  }
}
