/**
 * Runs one notification process with input on stdin and a deadline. The child gets its own process group,
 * so a timeout kills it and everything it started (a shell, notify-send) by its pid: a hung notification
 * server must not leave processes behind. Never rejects.
 */
import { spawn } from 'node:child_process';

export type RunResult =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: string | null; readonly stderr: string }
  | { readonly kind: 'timeout'; readonly stderr: string }
  | { readonly kind: 'spawn-error'; readonly error: Error };

export interface RunOptions {
  readonly input: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/** Enough of stderr to explain a failure in one log line. */
const STDERR_KEEP = 4096;

export function runWithTimeout(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.resolve({ kind: 'spawn-error', error: new Error('empty command') });
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: options.env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    // A command that never reads its stdin closes the pipe early: EPIPE is not a failure of the run.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'spawn-error', error });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve(timedOut ? { kind: 'timeout', stderr } : { kind: 'exited', code, signal, stderr });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL'); // the group the detached child leads: it and its descendants
  } catch {
    // already gone
  }
}

/** The last non-empty line of a tool's stderr: where notify-send and most CLIs put the actual error. */
export const lastLine = (text: string): string =>
  text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
