/**
 * A policy document: what one policy version enforces — in-flight guardrails, the
 * finalizer's validators, and review rules. Validated on publish and on load; every
 * problem is reported with its path (`guardrails.redaction.customPatterns.0.pattern: …`).
 */
import { z } from 'zod';
import { guardrailsPolicySchema } from '../guardrails/guardrails-policy.ts';
import type { ValidatePolicyDocument } from './policies/policy-store.ts';
import { validatorsPolicySchema } from './validators/validators-policy.ts';

export const reviewPolicySchema = z
  .object({
    /** `flagged` verdicts go to the human review queue. */
    enqueueFlagged: z.boolean().default(true),
    /**
     * Keep a flagged generation's stream open until a reviewer decides, so a waiting
     * client receives the `review-decision` event live.
     */
    holdStreamUntilDecided: z.boolean().default(true),
  })
  .strict();

export const policyDocumentSchema = z
  .object({
    description: z.string().max(10_000).optional(),
    guardrails: guardrailsPolicySchema.prefault({}),
    validators: validatorsPolicySchema.prefault({}),
    review: reviewPolicySchema.prefault({}),
  })
  .strict();

export type PolicyDocument = z.output<typeof policyDocumentSchema>;

export const validatePolicyDocument: ValidatePolicyDocument<PolicyDocument> = (document) => {
  const result = policyDocumentSchema.safeParse(document);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
      message: issue.message,
    })),
  };
};

/** What a policy name means before anything was published under it. */
export const DEFAULT_POLICY_DOCUMENT: PolicyDocument = policyDocumentSchema.parse({});
