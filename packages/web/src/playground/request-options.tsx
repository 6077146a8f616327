/**
 * The model picker (from `GET /v1/models`) and the simulator's demo options: what the
 * next request is made of. Empty number fields are left out of the request.
 */
import type { GenerateRequest, SimulatorRequestOptions } from '@sluice/client';
import { useEffect, useState } from 'react';
import { apiJson, describeError } from '../shared/api.ts';

export interface ModelEntry {
  id: string;
  provider: string;
}

export interface RequestSettings {
  model: string;
  maxTokens: string;
  ttftMs: string;
  tokenIntervalMs: string;
  reasoningTokens: string;
  failAfterTokens: string;
  toolName: string;
  toolArguments: string;
}

export const DEFAULT_SETTINGS: RequestSettings = {
  model: 'simulator',
  maxTokens: '200',
  ttftMs: '150',
  tokenIntervalMs: '25',
  reasoningTokens: '',
  failAfterTokens: '',
  toolName: '',
  toolArguments: '{"city":"Paris"}',
};

function numberField(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? Math.floor(parsed) : undefined;
}

/** The request options for `settings` (messages are added by the caller). */
export function requestOptions(
  settings: RequestSettings,
  models: readonly ModelEntry[],
): Omit<GenerateRequest, 'messages'> {
  const maxTokens = numberField(settings.maxTokens);
  const request: Omit<GenerateRequest, 'messages'> = {
    model: settings.model,
    ...(maxTokens === undefined ? {} : { maxTokens }),
  };
  const provider = models.find((model) => model.id === settings.model)?.provider;
  if (provider !== 'simulator' && !(provider === undefined && settings.model === 'simulator')) {
    return request;
  }
  const simulator: SimulatorRequestOptions = {};
  const ttftMs = numberField(settings.ttftMs);
  const tokenIntervalMs = numberField(settings.tokenIntervalMs);
  const reasoningTokens = numberField(settings.reasoningTokens);
  const failAfterTokens = numberField(settings.failAfterTokens);
  if (ttftMs !== undefined) simulator.ttftMs = ttftMs;
  if (tokenIntervalMs !== undefined) simulator.tokenIntervalMs = tokenIntervalMs;
  if (reasoningTokens !== undefined && reasoningTokens > 0) {
    simulator.reasoningTokens = reasoningTokens;
  }
  if (failAfterTokens !== undefined) simulator.failAfterTokens = failAfterTokens;
  if (settings.toolName.trim() !== '') {
    simulator.toolCall = { name: settings.toolName.trim(), arguments: settings.toolArguments };
  }
  return { ...request, simulator };
}

/** `GET /v1/models`, again whenever the API key changes. */
export function useModels(): { models: ModelEntry[]; error: string | undefined } {
  const [models, setModels] = useState<ModelEntry[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const load = () => {
      apiJson<{ data: Array<{ id: string; owned_by: string }> }>('/v1/models')
        .then((list) => {
          if (!live) return;
          setModels(list.data.map((model) => ({ id: model.id, provider: model.owned_by })));
          setError(undefined);
        })
        .catch((failure: unknown) => {
          if (live) setError(describeError(failure));
        });
    };
    load();
    window.addEventListener('sluice-api-key', load);
    return () => {
      live = false;
      window.removeEventListener('sluice-api-key', load);
    };
  }, []);
  return { models, error };
}

function NumberInput(props: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        min={0}
        inputMode="numeric"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}

export function RequestOptionsPanel(props: {
  settings: RequestSettings;
  onChange: (settings: RequestSettings) => void;
  models: readonly ModelEntry[];
  modelsError: string | undefined;
}) {
  const { settings, onChange, models } = props;
  const set = (field: keyof RequestSettings) => (value: string) =>
    onChange({ ...settings, [field]: value });
  const simulator =
    (models.find((model) => model.id === settings.model)?.provider ?? settings.model) ===
    'simulator';
  return (
    <aside className="options" aria-label="Request options">
      <label>
        Model
        <select value={settings.model} onChange={(event) => set('model')(event.target.value)}>
          {models.length === 0 && <option value={settings.model}>{settings.model}</option>}
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.id} ({model.provider})
            </option>
          ))}
        </select>
      </label>
      {props.modelsError !== undefined && (
        <p className="error" role="alert">
          {props.modelsError}
        </p>
      )}
      <NumberInput label="Max tokens" value={settings.maxTokens} onChange={set('maxTokens')} />
      <fieldset disabled={!simulator}>
        <legend>Simulator</legend>
        <NumberInput label="TTFT (ms)" value={settings.ttftMs} onChange={set('ttftMs')} />
        <NumberInput
          label="Token interval (ms)"
          value={settings.tokenIntervalMs}
          onChange={set('tokenIntervalMs')}
        />
        <NumberInput
          label="Reasoning tokens"
          value={settings.reasoningTokens}
          onChange={set('reasoningTokens')}
        />
        <NumberInput
          label="Fail after tokens"
          value={settings.failAfterTokens}
          onChange={set('failAfterTokens')}
        />
        <label>
          Tool call name
          <input
            value={settings.toolName}
            placeholder="e.g. get_weather"
            onChange={(event) => set('toolName')(event.target.value)}
          />
        </label>
        <label>
          Tool call arguments
          <input
            value={settings.toolArguments}
            onChange={(event) => set('toolArguments')(event.target.value)}
          />
        </label>
      </fieldset>
    </aside>
  );
}
