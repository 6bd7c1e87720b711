/**
 * `notify.command`: the user's own hook, an argv array run without a shell (config values never reach one),
 * with the run's Report as JSON on stdin. Failures are logged, never thrown: a hook must not fail a swap.
 */
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { lastLine, runWithTimeout } from './run.js';

/** Long enough for a webhook over a slow network, short enough that a stuck hook is noticed. */
const COMMAND_TIMEOUT_MS = 10_000;

export interface CommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export async function runNotifyCommand(argv: readonly string[], report: Report, log: Logger, options: CommandOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const name = argv[0] ?? '';
  const result = await runWithTimeout(argv, { input: `${JSON.stringify(report)}\n`, env: options.env ?? process.env, timeoutMs });
  switch (result.kind) {
    case 'spawn-error': {
      const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
      log.warn({ command: argv }, missing ? `notify.command: ${name} not found` : `notify.command: ${result.error.message}`);
      return;
    }
    case 'timeout':
      log.warn({ command: argv, stderr: result.stderr }, `notify.command: ${name} ran longer than ${timeoutMs / 1000} s and was killed`);
      return;
    case 'exited':
      if (result.code === 0) return;
      log.warn(
        { command: argv, code: result.code, signal: result.signal, stderr: result.stderr },
        `notify.command: ${name} exited with ${result.code ?? result.signal}${result.stderr ? `: ${lastLine(result.stderr)}` : ''}`,
      );
  }
}
