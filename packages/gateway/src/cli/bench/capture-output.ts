/**
 * Captures what `runBench` writes, for tests that run the command in-process.
 */
import type { BenchOutput } from '../bench-command.ts';

export interface CapturedOutput extends BenchOutput {
  text(): { stdout: string; stderr: string };
}

export function captureOutput(isTTY = false): CapturedOutput {
  let stdout = '';
  let stderr = '';
  return {
    stdout: {
      write: (text) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text) => {
        stderr += text;
      },
      isTTY,
    },
    text: () => ({ stdout, stderr }),
  };
}
