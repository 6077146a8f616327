#!/usr/bin/env node
/**
 * The `sluice` command line: `serve` runs the gateway, `bench` load-tests an endpoint.
 * Sub-commands live in their own modules and are loaded on demand so `serve` starts fast.
 */
const USAGE = `Usage: sluice <command> [options]

Commands:
  serve [--port N] [--host H] [--config FILE]   Run the gateway (default command)
        [--workers N|auto]                      N processes on one port (needs store.kind: redis)
  audit verify|export|purge [--data-dir DIR]    Verify the audit chain, export or purge records
  policy publish|list|get|rollback|bind|unbind  Manage versioned policies (sluice policy help)
  keys create|list|revoke [--data-dir DIR]      Manage API keys (sluice keys help)
  doctor [--config FILE]                        Check a deployment's backends and settings
  bench --url URL --model M [options]           Load-test an OpenAI-compatible or Sluice endpoint
                                                (sluice bench --help defines every metric)

Environment: PORT, HOST, SLUICE_CONFIG, SLUICE_DATA_DIR, SLUICE_LOG_LEVEL`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve.ts')).runServe(rest);
    case 'audit':
      return (await import('./audit-command.ts')).runAudit(rest);
    case 'policy':
      return (await import('./policy-command.ts')).runPolicy(rest);
    case 'keys':
      return (await import('./keys-command.ts')).runKeys(rest);
    case 'bench':
      return (await import('./bench-command.ts')).runBench(rest);
    case 'doctor':
      return (await import('./doctor-command.ts')).runDoctor(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
