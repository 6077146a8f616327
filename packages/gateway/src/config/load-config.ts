/**
 * Loads the configuration: a YAML or JSON file (`--config` or `SLUICE_CONFIG`), then
 * environment overrides, then command-line overrides, validated by one schema. Errors
 * name the path of the bad value.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type SluiceConfig } from './config-schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Path of a YAML or JSON file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over the file and the environment (command-line flags). */
  overrides?: Record<string, unknown>;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  const lines = issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    // YAML is a superset of JSON, so one parser reads both.
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`Cannot parse config file ${file}: ${(error as Error).message}`);
  }
}

function environmentOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (env.PORT) overrides.port = env.PORT;
  if (env.HOST) overrides.host = env.HOST;
  if (env.SLUICE_DATA_DIR) overrides.dataDir = env.SLUICE_DATA_DIR;
  if (env.SLUICE_LOG_LEVEL) overrides.logLevel = env.SLUICE_LOG_LEVEL;
  return overrides;
}

export function parseConfig(input: unknown, source = 'config'): SluiceConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, source));
  return result.data;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<SluiceConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SLUICE_CONFIG;
  const fromFile = file ? await readConfigFile(file) : {};
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new ConfigError(`Invalid configuration in ${file}: the top level must be a mapping`);
  }
  const merged = { ...fromFile, ...environmentOverrides(env), ...options.overrides };
  return parseConfig(merged, file ?? 'environment');
}
