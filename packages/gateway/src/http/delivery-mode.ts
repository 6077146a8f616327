/**
 * Hybrid delivery: `stream` sends tokens as they come, `final` waits for the validated
 * final answer and sends it in one body, and `auto` sends one body when the answer is
 * complete within a short window and streams otherwise — short answers arrive whole and
 * at once, long ones progressively. The request's choice wins, then the first config
 * rule matching its model or route, then the configured default.
 */
import type { DeliveryMode, SluiceConfig } from '../config/config-schema.ts';
import type { GenerationRecord } from '../generation/generation-record.ts';
import type { GenerationService } from '../generation/generation-service.ts';

export function resolveDeliveryMode(
  config: SluiceConfig['delivery'],
  requested: DeliveryMode | undefined,
  target: { model: string; route: string },
): DeliveryMode {
  if (requested) return requested;
  const rule = config.rules.find(
    (candidate) =>
      (candidate.model === undefined || candidate.model === target.model) &&
      (candidate.route === undefined || candidate.route === target.route),
  );
  return rule?.mode ?? config.mode;
}

/** The finalized record when the generation (and its verdict) completed within `windowMs`. */
export function completesWithin(
  generations: GenerationService,
  id: string,
  windowMs: number,
): Promise<GenerationRecord | undefined> {
  return generations.finalized(id, windowMs);
}
