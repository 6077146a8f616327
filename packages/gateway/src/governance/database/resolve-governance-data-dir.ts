/**
 * Where the CLI finds `sluice.db`: `--data-dir`, else the `dataDir` of the configuration
 * (`--config` / `SLUICE_CONFIG`, `SLUICE_DATA_DIR`), else `./data` — the same place
 * `sluice serve` uses.
 */
import { loadConfig } from '../../config/load-config.ts';

export async function resolveGovernanceDataDir(options: {
  dataDir?: string | undefined;
  config?: string | undefined;
}): Promise<string> {
  const config = await loadConfig({
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: options.dataDir === undefined ? {} : { dataDir: options.dataDir },
  });
  return config.dataDir;
}
