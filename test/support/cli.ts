// Runs the built CLI (`node dist/cli.js ...`) as a user would, with an argument array (no shell).
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './paths.js';

export interface CliOptions {
  cwd: string;
  /** Added to process.env (NO_COLOR=1 is set by default so output is plain text). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process was killed by a signal (e.g. on timeout). */
  signal?: NodeJS.Signals | null;
  timedOut?: boolean;
}

function spawnCli(args: string[], { cwd, env = {} }: CliOptions): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to completion; resolves (never rejects) with exit code and output. SIGKILL after `timeoutMs`. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err); // node itself could not start: not a CLI result
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, signal, timedOut });
    });
  });
}

/** A long-running CLI process (e.g. `watch` in the foreground), with its output collected as it arrives. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr matches `re`; rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<string>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `timeoutMs`; resolves with the result. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<CliResult>;
}

export function startCli(args: string[], opts: CliOptions): CliProcess {
  const child = spawnCli(args, opts);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, stdout: out, stderr: err, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitForOutput(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const m = (out + err).match(re);
        if (m) return m[0];
        if (done) throw new Error(`CLI exited before output matched ${re}:\n${out}${err}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}:\n${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const res = await exited;
      clearTimeout(timer);
      return res;
    },
  };
}

/** Each `hotswap: …` error line of `stderr`, with the `hint: …` line that follows it (joined by a newline). */
export const errorLinesOf = (stderr: string): string[] =>
  stderr.split('\n').flatMap((line, i, all) =>
    line.startsWith('hotswap: ') ? [all[i + 1]?.startsWith('hint: ') ? `${line}\n${all[i + 1]}` : line] : []);
