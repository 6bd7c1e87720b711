// Helpers of the fault-injection suite: a seeded random source, "is the binary in the container whole?",
// leftovers of killed runs (in the container and in .hotswap/), which phase a killed run had reached, a
// tmpfs to fill, and processes found by pid (never by name alone).
import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/state/store.js';
import { run, type RunResult } from './docker.js';
import { hasherName } from '../../src/swap/follow.js';
import { hasherSource } from '../../src/toolchain/hasher-build.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { seededRandom } from './random.js';

/** `docker ARGS` against one engine (the shared one, or a test's own through `-H`). */
export type DockerFn = (args: string[], timeoutMs?: number) => Promise<RunResult>;
export const sharedDocker: DockerFn = (args, timeoutMs = 120_000) => run('docker', args, { timeoutMs });

/** The phases a run goes through, in order, as the terminal reports them ("  ✓ build 463 ms"). */
export const PHASES = ['detect', 'plan', 'build', 'copy', 'verify', 'restart', 'health'] as const;
export type PhaseName = (typeof PHASES)[number];

/** Phases a run has finished, from its (non-TTY) stderr. */
export function phasesDone(output: string): string[] {
  return [...output.matchAll(/^ {2}[✓✗] (\w+) /gm)].map((m) => m[1]!);
}

/** The phase a run was in when it was killed: the one after the last finished (or "start-up"). */
export function phaseAt(output: string): string {
  const done = phasesDone(output);
  if (/^✓ swapped/m.test(output)) return 'after the summary';
  const last = done.at(-1);
  if (last === undefined) return 'start-up (detect)';
  const next = PHASES[PHASES.indexOf(last as PhaseName) + 1];
  return next ?? `after ${last} (saving the state)`;
}

export interface ContainerStatus {
  status: string;
  running: boolean;
  restarting: boolean;
}

export async function containerStatus(docker: DockerFn, name: string): Promise<ContainerStatus | null> {
  const r = await docker(['inspect', '--format', '{{.State.Status}} {{.State.Running}} {{.State.Restarting}}', name], 20_000);
  if (r.code !== 0) return null;
  const [status = '', running, restarting] = r.stdout.trim().split(' ');
  return { status, running: running === 'true', restarting: restarting === 'true' };
}

/** Waits until the container runs (not restarting); false when it does not within `timeoutMs`. */
export async function waitRunning(docker: DockerFn, name: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await containerStatus(docker, name);
    if (s?.running && !s.restarting) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

export interface BinaryCheck {
  /** How it was run: inside the container, or copied out (a stopped container cannot exec). */
  via: 'exec' | 'copied out';
  code: number | null;
  output: string;
}

/**
 * Runs `<binaryPath> --version`: with docker exec in the container when it runs (waiting up to
 * `waitMs` for a restart in flight to settle), else copied out with `docker cp` and run on the host (the
 * fixture is a static linux binary): either way a torn or half-written file fails.
 */
export async function runBinaryVersion(docker: DockerFn, name: string, binaryPath: string, waitMs = 10_000): Promise<BinaryCheck> {
  if (await waitRunning(docker, name, waitMs)) {
    const r = await docker(['exec', name, binaryPath, '--version'], 30_000);
    // It may have stopped between the inspect and the exec: then copy it out below.
    // (setns fails when the process exits as the exec joins it: a restart in flight.)
    if (r.code === 0 || !/is not running|is restarting|setns process|in a stopped state/i.test(r.stderr)) return { via: 'exec', code: r.code, output: (r.stdout + r.stderr).trim() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-fault-bin-'));
  try {
    const cp = await docker(['cp', `${name}:${binaryPath}`, path.join(dir, 'bin')], 60_000);
    if (cp.code !== 0) return { via: 'copied out', code: cp.code, output: `docker cp failed: ${cp.stderr.trim()}` };
    const r = await run(path.join(dir, 'bin'), ['--version'], { timeoutMs: 10_000 });
    return { via: 'copied out', code: r.code, output: (r.stdout + r.stderr).trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The whole-binary check: `--version` runs and names the version the server reports (when given). */
export async function expectWholeBinary(docker: DockerFn, name: string, binaryPath: string, expectedVersion?: string): Promise<BinaryCheck> {
  const check = await runBinaryVersion(docker, name, binaryPath);
  expect(check.code, `${binaryPath} --version (${check.via}): ${check.output}`).toBe(0);
  expect(check.output).toMatch(/^ollama version is \S+$/);
  if (expectedVersion) expect(check.output).toBe(`ollama version is ${expectedVersion}`);
  return check;
}

/** Upload temp files (`.<base>.hotswap-new` and the like) left beside the binary. */
export async function tempFilesBeside(docker: DockerFn, name: string, binaryPath: string): Promise<string[]> {
  const dir = path.posix.dirname(binaryPath);
  const r = await docker(['exec', name, 'ls', '-a', dir], 30_000);
  if (r.code !== 0) throw new Error(`ls -a ${dir} in ${name}: ${r.stderr.trim()}`);
  const base = path.posix.basename(binaryPath);
  const resident = hasherName(hasherSource()!.version); // kept there on purpose (src/swap/follow.ts)
  return r.stdout.split('\n').map((l) => l.trim()).filter((f) => f !== resident && (f.startsWith(`.${base}`) || /hotswap/.test(f)));
}

/** Processes in the container other than its main one (pid 1) and the `ps` itself: a hung exec of ours. */
export async function strayProcesses(docker: DockerFn, name: string): Promise<string[]> {
  const r = await docker(['exec', name, 'ps', '-o', 'pid,args'], 30_000);
  if (r.code !== 0) throw new Error(`ps in ${name}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean)
    .filter((l) => !/^1 /.test(l) && !/\bps -o pid,args$/.test(l));
}

/**
 * `processes` less, when a watch daemon runs, one waiting INSTALL (it reads `go` first) and one hotswap-hasher
 * waiting to follow: the pair it keeps standing for its next swap. A second of either is a leftover.
 */
export function withoutStanding(processes: readonly string[], daemonRuns: boolean): string[] {
  if (!daemonRuns) return [...processes];
  const standing = [(l: string) => l.includes('read -r go'), (l: string) => /\.hotswap-hasher-\S+ follow /.test(l)];
  return processes.filter((l) => {
    const which = standing.findIndex((is) => is(l));
    if (which < 0) return true;
    standing.splice(which, 1);
    return false;
  });
}

/** Files under `dir` (recursively) whose name ends in `.tmp`, relative to it. */
export function tmpFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

export { isAlive };

/** `.hotswap/index.<pid>` files (the planner's private git index) whose process is dead. */
export function staleIndexes(stateDir: string): string[] {
  if (!fs.existsSync(stateDir)) return [];
  return fs.readdirSync(stateDir).filter((f) => {
    const pid = /^index\.(\d+)$/.exec(f)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  });
}

/** Direct children of `parent` whose command name is `comm` (from /proc): how we find what we started. */
export function childPids(parent: number, comm: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Pids of processes named `comm` whose environment has `key=value` (e.g. our private D-Bus address). */
export function pidsWithEnv(comm: string, key: string, value: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${key}=${value}`)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Mounts a tmpfs of `size` (e.g. "64k") on `dir`; the returned function unmounts it. */
export async function mountTmpfs(dir: string, size: string): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  const r = await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`mount tmpfs on ${dir}: ${r.stderr.trim()}`);
  return async () => {
    const u = await run('umount', [dir], { timeoutMs: 20_000 });
    if (u.code !== 0) {
      const lazy = await run('umount', ['-l', dir], { timeoutMs: 20_000 });
      if (lazy.code !== 0) throw new Error(`umount ${dir}: ${u.stderr.trim()} / ${lazy.stderr.trim()}`);
    }
  };
}

/** Writes zeros into `dir/name` until the file system is full; returns the bytes written. */
export function fillUp(dir: string, name = 'filler'): number {
  const fd = fs.openSync(path.join(dir, name), 'w');
  const chunk = Buffer.alloc(4096);
  let total = 0;
  try {
    for (;;) total += fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  // Partial blocks: keep writing single bytes until not even one fits.
  const small = fs.openSync(path.join(dir, `${name}.tail`), 'w');
  try {
    for (;;) total += fs.writeSync(small, Buffer.alloc(1));
  } catch {
    // full
  } finally {
    fs.closeSync(small);
  }
  return total;
}

/** Waits until `text()` past offset `from` matches `re`; returns the match. */
export async function waitForMatch(text: () => string, re: RegExp, from: number, timeoutMs: number, poll = 5): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = text().slice(from).match(re);
    if (m) return m[0];
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}:\n${text().slice(from)}`);
    await sleep(poll);
  }
}

/** Resolves once a started CLI process has exited by itself (then `stop()` only collects its result). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
