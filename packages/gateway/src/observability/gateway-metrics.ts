/**
 * The gateway's Prometheus metrics, on a registry of its own (not prom-client's global
 * one) so tests and several gateways in one process never collide. Callers use intent
 * methods (`generationStarted`, `generationEnded`, `readerAttached`, …); nothing here is
 * meant to be called per token: latency histograms are observed once per generation
 * from its summary.
 *
 * Naming: the GenAI families follow the OpenTelemetry GenAI semantic conventions
 * translated to Prometheus (dots to underscores, unit suffix, the advised buckets,
 * attribute names as labels) with one extra label, `side`: `upstream` is the provider
 * call as Sluice sees it, `client` is what the client observes through Sluice, so the
 * latency Sluice adds is the gap between the two. Gateway families are `sluice_*`.
 * Every label value goes through a `BoundedLabel`; ids and user text are never labels.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabel, OVERFLOW_LABEL_VALUE } from './bounded-label.ts';
import { EventLoopLag } from './event-loop-lag.ts';
import { CHAT_OPERATION, genAiProviderName } from './gen-ai-conventions.ts';
import {
  addedTimeToFirstTokenMs,
  type GenerationSummary,
  timePerOutputTokenMs,
} from './generation-summary.ts';
import {
  FINALIZATION_BUCKETS,
  GATEWAY_LATENCY_BUCKETS,
  REQUEST_DURATION_BUCKETS,
  TIME_PER_OUTPUT_TOKEN_BUCKETS,
  TIME_TO_FIRST_TOKEN_BUCKETS,
  TOKEN_USAGE_BUCKETS,
} from './metric-buckets.ts';

export interface GatewayMetricsOptions {
  /**
   * Adds a `tenant` label to the generation, token and quota counters (never to
   * histograms, whose size would multiply by the tenant count). Off by default.
   */
  tenantLabel?: boolean;
  /** prom-client's process and Node.js metrics (CPU, memory, GC). On by default. */
  processMetrics?: boolean;
  /** Distinct values any one label may take before new ones read `other`. */
  labelValueLimit?: number;
}

export interface GenerationLabels {
  model: string;
  provider: string;
  tenant?: string | undefined;
}

export type Side = 'upstream' | 'client';
export type CircuitState = 'closed' | 'half-open' | 'open';
export type StoreOperation = 'append' | 'read';

/** Numeric values of `sluice_circuit_breaker_state`, so a panel can threshold on them. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<CircuitState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

const DEFAULT_LABEL_VALUE_LIMIT = 100;
const VERDICTS = new Set(['approved', 'flagged', 'rejected']);
const ERROR_CODE = /^SLUICE_ERR_[A-Z0-9_]+$/;

const seconds = (milliseconds: number) => milliseconds / 1000;

export class GatewayMetrics {
  readonly registry = new Registry();
  #render: () => Promise<string> = () => this.registry.metrics();
  readonly #tenantLabel: boolean;
  readonly #eventLoopLag: EventLoopLag;
  readonly #labels: Record<
    'model' | 'provider' | 'tenant' | 'kind' | 'scope' | 'upstream' | 'check',
    BoundedLabel
  >;
  readonly #protocols = new BoundedLabel(16);
  // Error codes label histograms too, so their bound is tight: the catalogue's upstream
  // and internal codes are a handful.
  readonly #errorCodes = new BoundedLabel(16);

  readonly #timeToFirstToken: Histogram<string>;
  readonly #timePerOutputToken: Histogram<string>;
  readonly #requestDuration: Histogram<string>;
  readonly #tokenUsage: Histogram<string>;
  readonly #tokens: Counter<string>;
  readonly #addedTimeToFirstToken: Histogram<string>;
  readonly #generationsStarted: Counter<string>;
  readonly #generationsEnded: Counter<string>;
  readonly #activeGenerations: Gauge<string>;
  readonly #activeReaders: Gauge<string>;
  readonly #resumes: Counter<string>;
  readonly #finalization: Histogram<string>;
  readonly #verdicts: Counter<string>;
  readonly #redactions: Counter<string>;
  readonly #toolCalls: Counter<string>;
  readonly #internalFailures: Counter<string>;
  readonly #takeovers: Counter<string>;
  readonly #holdbackDelay: Histogram<string>;
  readonly #guardrailCheck: Histogram<string>;
  readonly #quotaRejections: Counter<string>;
  readonly #circuitState: Gauge<string>;
  readonly #storeOperation: Histogram<string>;

  constructor(options: GatewayMetricsOptions = {}) {
    this.#tenantLabel = options.tenantLabel ?? false;
    const limit = options.labelValueLimit ?? DEFAULT_LABEL_VALUE_LIMIT;
    this.#labels = {
      model: new BoundedLabel(limit),
      provider: new BoundedLabel(limit),
      tenant: new BoundedLabel(limit),
      kind: new BoundedLabel(limit),
      scope: new BoundedLabel(limit),
      upstream: new BoundedLabel(limit),
      check: new BoundedLabel(limit),
    };
    const registers = [this.registry];
    const tenant = this.#tenantLabel ? ['tenant'] : [];
    const genAi = ['side', 'gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'];

    this.#timeToFirstToken = new Histogram({
      name: 'gen_ai_server_time_to_first_token_seconds',
      help: 'Time to the first output token (side=upstream: from the provider call; side=client: from the request, through Sluice).',
      labelNames: genAi,
      buckets: [...TIME_TO_FIRST_TOKEN_BUCKETS],
      registers,
    });
    this.#timePerOutputToken = new Histogram({
      name: 'gen_ai_server_time_per_output_token_seconds',
      help: 'Mean time per output token after the first, for generations that finished.',
      labelNames: genAi,
      buckets: [...TIME_PER_OUTPUT_TOKEN_BUCKETS],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: 'gen_ai_server_request_duration_seconds',
      help: 'Duration to the last output token or the failure (side=upstream: the provider call; side=client: the whole generation).',
      labelNames: [...genAi, 'error_type'],
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers,
    });
    this.#tokenUsage = new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens per generation by type (side=upstream: as the provider reported; side=client: as Sluice reported to the client).',
      labelNames: [...genAi, 'gen_ai_token_type'],
      buckets: [...TOKEN_USAGE_BUCKETS],
      registers,
    });
    this.#tokens = new Counter({
      name: 'sluice_tokens_total',
      help: 'Tokens reported to clients, by type (input, output; reasoning and cached_input are subsets); per tenant when enabled.',
      labelNames: ['model', 'provider', 'type', ...tenant],
      registers,
    });
    this.#addedTimeToFirstToken = new Histogram({
      name: 'sluice_added_time_to_first_token_seconds',
      help: 'Time to first token Sluice added per generation: client-observed minus upstream.',
      labelNames: ['model', 'provider'],
      buckets: [...GATEWAY_LATENCY_BUCKETS],
      registers,
    });
    this.#generationsStarted = new Counter({
      name: 'sluice_generations_started_total',
      help: 'Generations started.',
      labelNames: ['model', 'provider', ...tenant],
      registers,
    });
    this.#generationsEnded = new Counter({
      name: 'sluice_generations_ended_total',
      help: 'Generations ended, by outcome (finished, cancelled, failed, interrupted) and reason (finish reason, or the error code when failed).',
      labelNames: ['model', 'provider', 'outcome', 'reason', ...tenant],
      registers,
    });
    this.#activeGenerations = new Gauge({
      name: 'sluice_active_generations',
      help: 'Generations whose producer is running.',
      labelNames: ['model', 'provider'],
      registers,
    });
    this.#activeReaders = new Gauge({
      name: 'sluice_active_readers',
      help: 'Readers attached to generation logs, by protocol.',
      labelNames: ['protocol'],
      registers,
    });
    this.#resumes = new Counter({
      name: 'sluice_resumes_total',
      help: 'Readers that attached past the beginning of a log (a resume), by protocol.',
      labelNames: ['protocol'],
      registers,
    });
    this.#finalization = new Histogram({
      name: 'sluice_finalization_duration_seconds',
      help: 'From the terminal event to the verdict in the log (validators included).',
      labelNames: ['verdict'],
      buckets: [...FINALIZATION_BUCKETS],
      registers,
    });
    this.#verdicts = new Counter({
      name: 'sluice_verdicts_total',
      help: 'Final verdicts by outcome.',
      labelNames: ['model', 'verdict'],
      registers,
    });
    this.#takeovers = new Counter({
      name: 'sluice_producer_takeovers_total',
      help: 'Generations this node took over after their producer was lost (its node died or handed them off), by action (continued, interrupted, finalized).',
      labelNames: ['action'],
      registers,
    });
    this.#internalFailures = new Counter({
      name: 'sluice_internal_failures_total',
      help: 'Failures inside the gateway after a response began (record store, stream log, finalizer), by component.',
      labelNames: ['component'],
      registers,
    });
    this.#toolCalls = new Counter({
      name: 'sluice_tool_calls_total',
      help: 'Tool calls the models made (relayed to clients), by model.',
      labelNames: ['model', 'provider'],
      registers,
    });
    this.#redactions = new Counter({
      name: 'sluice_redactions_total',
      help: 'Values redacted in flight, by detector kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#holdbackDelay = new Histogram({
      name: 'sluice_holdback_delay_seconds',
      help: 'How long text was held back by the redactor before release.',
      buckets: [...GATEWAY_LATENCY_BUCKETS],
      registers,
    });
    this.#guardrailCheck = new Histogram({
      name: 'sluice_guardrail_check_duration_seconds',
      help: 'Duration of one guardrail or validator check, by check name.',
      labelNames: ['check'],
      buckets: [...FINALIZATION_BUCKETS],
      registers,
    });
    this.#quotaRejections = new Counter({
      name: 'sluice_quota_rejections_total',
      help: 'Requests refused by a quota or limit, by limit name and scope (tenant, key).',
      labelNames: ['limit', 'scope', ...tenant],
      registers,
    });
    this.#circuitState = new Gauge({
      name: 'sluice_circuit_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'],
      registers,
      // Across `--workers` processes the worst state is the one to see, not a sum.
      aggregator: 'max',
    });
    this.#storeOperation = new Histogram({
      name: 'sluice_store_operation_duration_seconds',
      help: 'Stream store call latency (sampled), by operation.',
      labelNames: ['operation'],
      buckets: [...GATEWAY_LATENCY_BUCKETS],
      registers,
    });
    this.#eventLoopLag = new EventLoopLag(this.registry);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Where `render` gets its text: this registry by default; under `sluice serve --workers`
   * the whole process group's registries aggregated (`cluster-metrics.ts`).
   */
  renderFrom(source: () => Promise<string>): void {
    this.#render = source;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.#render();
  }

  generationStarted(labels: GenerationLabels): void {
    const model = this.#labels.model.value(labels.model);
    const provider = this.#labels.provider.value(labels.provider);
    this.#generationsStarted.inc(this.#withTenant({ model, provider }, labels.tenant));
    this.#activeGenerations.inc({ model, provider });
  }

  /** Once per generation, after its terminal event (pairs with `generationStarted`). */
  generationEnded(summary: GenerationSummary): void {
    const model = this.#labels.model.value(summary.model);
    const provider = this.#labels.provider.value(summary.provider);
    this.#activeGenerations.dec({ model, provider });
    const reason =
      summary.status === 'failed' ? this.#errorCode(summary.errorCode) : summary.finishReason;
    this.#generationsEnded.inc(
      this.#withTenant({ model, provider, outcome: summary.status, reason }, summary.tenant),
    );

    const genAi = {
      gen_ai_operation_name: CHAT_OPERATION,
      gen_ai_provider_name: genAiProviderName(provider),
      gen_ai_request_model: model,
    };
    const client = { side: 'client', ...genAi };
    const errorType = summary.status === 'failed' ? { error_type: reason } : {};
    this.#requestDuration.observe({ ...client, ...errorType }, seconds(summary.durationMs));
    this.#observeTokens(client, summary.usage);
    // A fresh label object per type: prom-client keeps the object it was given.
    const countTokens = (type: string, count: number | undefined) => {
      if (count === undefined) return;
      this.#tokens.inc(this.#withTenant({ model, provider, type }, summary.tenant), count);
    };
    countTokens('input', summary.usage.inputTokens);
    countTokens('output', summary.usage.outputTokens);
    // Subsets of the two above, when the provider reports them.
    countTokens('reasoning', summary.usage.reasoningTokens);
    countTokens('cached_input', summary.usage.cachedInputTokens);
    if (summary.toolCalls !== undefined && summary.toolCalls > 0) {
      this.#toolCalls.inc({ model, provider }, summary.toolCalls);
    }
    if (summary.timeToFirstTokenMs !== null) {
      this.#timeToFirstToken.observe(client, seconds(summary.timeToFirstTokenMs));
    }
    const succeeded = summary.status === 'finished' && summary.errorCode === undefined;
    const clientPerToken = timePerOutputTokenMs(
      summary.durationMs,
      summary.timeToFirstTokenMs,
      summary.usage.outputTokens,
    );
    if (succeeded && clientPerToken !== undefined) {
      this.#timePerOutputToken.observe(client, seconds(clientPerToken));
    }

    const { upstream } = summary;
    if (upstream) {
      const side = { side: 'upstream', ...genAi };
      this.#requestDuration.observe({ ...side, ...errorType }, seconds(upstream.durationMs));
      if (upstream.usage) this.#observeTokens(side, upstream.usage);
      if (upstream.timeToFirstTokenMs !== null) {
        this.#timeToFirstToken.observe(side, seconds(upstream.timeToFirstTokenMs));
      }
      const upstreamPerToken = timePerOutputTokenMs(
        upstream.durationMs,
        upstream.timeToFirstTokenMs,
        upstream.usage?.outputTokens ?? summary.usage.outputTokens,
      );
      if (succeeded && upstreamPerToken !== undefined) {
        this.#timePerOutputToken.observe(side, seconds(upstreamPerToken));
      }
      const added = addedTimeToFirstTokenMs(summary);
      if (added !== undefined)
        this.#addedTimeToFirstToken.observe({ model, provider }, seconds(added));
    }
    if (summary.redactions) {
      for (const [kind, count] of summary.redactions) this.redaction(kind, count);
    }
  }

  /** A component failed after the response began (logged by the caller). */
  internalFailure(component: string): void {
    this.#internalFailures.inc({ component });
  }

  /** This node took over a generation whose producer was lost. */
  producerTakenOver(action: 'continued' | 'interrupted' | 'finalized'): void {
    this.#takeovers.inc({ action });
  }

  /** A reader attached to a generation log; `resumed` when it started past the beginning. */
  readerAttached(reader: { protocol: string; resumed: boolean }): void {
    const protocol = this.#protocols.value(reader.protocol);
    this.#activeReaders.inc({ protocol });
    if (reader.resumed) this.#resumes.inc({ protocol });
  }

  readerDetached(reader: { protocol: string }): void {
    this.#activeReaders.dec({ protocol: this.#protocols.value(reader.protocol) });
  }

  /** The finalizer appended its verdict, `durationMs` after the terminal event. */
  finalized(outcome: { model: string; verdict: string; durationMs: number }): void {
    const verdict = VERDICTS.has(outcome.verdict) ? outcome.verdict : 'other';
    this.#verdicts.inc({ model: this.#labels.model.value(outcome.model), verdict });
    this.#finalization.observe({ verdict }, seconds(outcome.durationMs));
  }

  guardrailCheck(check: { name: string; durationMs: number }): void {
    this.#guardrailCheck.observe(
      { check: this.#labels.check.value(check.name) },
      seconds(check.durationMs),
    );
  }

  redaction(kind: string, count: number): void {
    if (count > 0) this.#redactions.inc({ kind: this.#labels.kind.value(kind) }, count);
  }

  holdbackDelay(durationMs: number): void {
    this.#holdbackDelay.observe(seconds(durationMs));
  }

  /** A quota or limit refused a request (`QuotaExceededError.decision` has both names). */
  quotaRejected(rejection: { limit: string; scope: string; tenant?: string | undefined }): void {
    this.#quotaRejections.inc(
      this.#withTenant(
        {
          limit: this.#labels.scope.value(rejection.limit),
          scope: this.#labels.scope.value(rejection.scope),
        },
        rejection.tenant,
      ),
    );
  }

  circuitState(upstream: string, state: CircuitState): void {
    this.#circuitState.set(
      { upstream: this.#labels.upstream.value(upstream) },
      CIRCUIT_STATE_VALUES[state],
    );
  }

  storeOperation(operation: StoreOperation, durationMs: number): void {
    this.#storeOperation.observe({ operation }, seconds(durationMs));
  }

  /** Stops the event-loop monitor; the registry stays readable. */
  close(): void {
    this.#eventLoopLag.stop();
  }

  #observeTokens(
    labels: Record<string, string>,
    usage: { inputTokens: number; outputTokens: number },
  ): void {
    this.#tokenUsage.observe({ ...labels, gen_ai_token_type: 'input' }, usage.inputTokens);
    this.#tokenUsage.observe({ ...labels, gen_ai_token_type: 'output' }, usage.outputTokens);
  }

  #errorCode(code: string | undefined): string {
    if (code === undefined) return 'SLUICE_ERR_INTERNAL';
    return ERROR_CODE.test(code) ? this.#errorCodes.value(code) : OVERFLOW_LABEL_VALUE;
  }

  #withTenant(labels: Record<string, string>, tenant: string | undefined): Record<string, string> {
    if (!this.#tenantLabel) return labels;
    labels.tenant = tenant === undefined ? 'none' : this.#labels.tenant.value(tenant);
    return labels;
  }
}
