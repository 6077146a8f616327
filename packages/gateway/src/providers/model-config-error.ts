/**
 * A model config entry that cannot become a `LanguageModel` (missing or invalid `baseUrl`,
 * unknown provider). Raised at startup by the factory, never during a request, so it is not
 * a `ProviderError` and never retryable.
 */

const MODEL_CONFIG_ERROR = Symbol.for('sluice.provider.model-config-error');

export class ModelConfigError extends Error {
  readonly [MODEL_CONFIG_ERROR] = true;
  override readonly name = 'ModelConfigError';
  readonly retryable = false;
  /** The public name of the offending model entry. */
  readonly modelName: string;

  constructor(modelName: string, message: string) {
    super(message);
    this.modelName = modelName;
  }

  static isInstance(value: unknown): value is ModelConfigError {
    return typeof value === 'object' && value !== null && MODEL_CONFIG_ERROR in value;
  }
}
