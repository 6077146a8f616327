/**
 * The policy a generation runs under: resolves the policy name bound to the model or
 * route, loads its active version and compiles it once per version (guardrails and
 * validators are immutable and shared by every generation of that version). A name
 * with nothing published runs the default document as `name@0`.
 */

import type { Guardrails } from '../guardrails/guardrails.ts';
import { compileGuardrails } from '../guardrails/guardrails-policy.ts';
import { formatPolicyVersion } from './policies/policy-names.ts';
import type { PolicyStore } from './policies/policy-store.ts';
import { DEFAULT_POLICY_DOCUMENT, type PolicyDocument } from './policy-document.ts';
import { type CompiledValidators, compileValidators } from './validators/compile-validators.ts';
import type { ValidationLimits } from './validators/validation-limits.ts';
import type { WebhookValidatorOptions } from './validators/webhook-validator.ts';

export interface ActivePolicy {
  /** `name@version`, recorded by every generation that runs under it. */
  label: string;
  guardrails: Guardrails;
  validators: CompiledValidators;
  review: PolicyDocument['review'];
  /** The policy validates structured output: track partial JSON while it streams. */
  tracksStructuredOutput: boolean;
}

export interface PolicyRuntimeOptions {
  policies: PolicyStore<PolicyDocument>;
  /** HMAC key for the `hash` redaction mode. */
  redactionHashKey: string;
  /** How policy webhooks are sent and where their failures are logged. */
  webhook?: WebhookValidatorOptions;
  /** Bounds of schema validation at finalization (`governance.validation`). */
  validation?: ValidationLimits;
}

export class PolicyRuntime {
  readonly #policies: PolicyStore<PolicyDocument>;
  readonly #hashKey: string;
  readonly #webhook: WebhookValidatorOptions;
  readonly #validation: ValidationLimits | undefined;
  readonly #compiled = new Map<string, ActivePolicy>();

  constructor(options: PolicyRuntimeOptions) {
    this.#policies = options.policies;
    this.#hashKey = options.redactionHashKey;
    this.#webhook = options.webhook ?? {};
    this.#validation = options.validation;
  }

  async resolve(selector: { model: string; route?: string }): Promise<ActivePolicy> {
    const name = await this.#policies.resolve(selector);
    const active = await this.#policies.active(name);
    const label = formatPolicyVersion(name, active?.version ?? 0);
    let compiled = this.#compiled.get(label);
    if (!compiled) {
      compiled = this.#compile(label, active?.document ?? DEFAULT_POLICY_DOCUMENT);
      this.#compiled.set(label, compiled);
    }
    return compiled;
  }

  #compile(label: string, document: PolicyDocument): ActivePolicy {
    return {
      label,
      guardrails: compileGuardrails(document.guardrails, { hashKey: this.#hashKey }),
      validators: compileValidators(label, document.validators, {
        webhook: this.#webhook,
        ...(this.#validation === undefined ? {} : { validation: this.#validation }),
      }),
      review: document.review,
      tracksStructuredOutput: document.validators.jsonSchema !== undefined,
    };
  }
}
