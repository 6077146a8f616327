/**
 * The public face of the finalizer: validate a finished generation's answer and get its
 * `response-final` (and, when needed, `response-retract`) event.
 */
export {
  type FinalizationInput,
  type FinalizationResult,
  finalize,
} from './finalize.ts';
