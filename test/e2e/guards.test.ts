/**
 * One swap at a time per container, and a repo that cannot turn hotswap against its owner, on the real
 * engine, git and Go: two repos swapping into one container at once, a run that holds the container's lock
 * (a process of ours standing in for it), several watch daemons over a stale lock, `stop` and a pid that is
 * no longer a watch, the builder container's name taken by someone else's, a binaryPath the container lacks,
 * and a token in build.env.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerLockFile } from '../../src/lock/container-lock.js';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, containerSha256, docker, removeContainer, RUNTIME_IMAGE, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-guards';
const FOREIGN = 'hs-test-guards-not-a-builder';
let repoA: FixtureRepo;
let repoB: FixtureRepo;
let port: number;
/** The tests' own lock directory (XDG_RUNTIME_DIR), so no other run's locks are seen. */
let runtimeDir: string;
const env = () => ({ XDG_RUNTIME_DIR: runtimeDir });
const hotswap = (repo: FixtureRepo, args: string[]) => runCli(args, { cwd: repo.dir, env: env(), timeoutMs: 180_000 });
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const configure = (repo: FixtureRepo, extra: Record<string, unknown> = {}) => writeTestConfig(repo.dir, { container: NAME, port, extra });

/** A process of ours that stands in for another run: alive until we kill it. */
function standIn(): ChildProcess {
  return spawn(SLEEP_ARGV[0]!, SLEEP_ARGV.slice(1), { stdio: 'ignore' });
}
const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

/** The stand-in's command line, as a holder records its own. */
const SLEEP_ARGV = ['sleep', '600'];

/** Writes a lock record naming `pid` (whose command line was `argv`) as the holder, as hotswap writes one. */
function writeLock(file: string, pid: number, command: string, repo: string, argv = SLEEP_ARGV): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ pid, command, repo, argv, since: new Date().toISOString() })}\n`);
}

beforeAll(async () => {
  [repoA, repoB] = await Promise.all([makeFixtureRepo(), makeFixtureRepo()]);
  runtimeDir = mkdtempSync(join(os.tmpdir(), 'hotswap-runtime-'));
  port = await freePort();
  configure(repoA);
  configure(repoB);
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await removeContainer(FOREIGN);
  await Promise.all([repoA?.remove(), repoB?.remove()]);
  if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
});

describe('one swap at a time per container', () => {
  it('serves what the last successful report says when two repos swap into one container at once', async () => {
    repoA.setMessage('hello from A');
    repoB.setMessage('hello from B');
    const results = await Promise.all([hotswap(repoA, ['swap', '--json']), hotswap(repoB, ['swap', '--json'])]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const [a, b] = results.map((r) => JSON.parse(r.stdout));
    expect([a.outcome, b.outcome]).toEqual(['swapped', 'swapped']);
    const served = await containerSha256(NAME);
    const last = [a, b].find((r) => r.sha256 === served);
    const first = last === a ? b : a;
    expect(last, `served ${served}, reports ${a.sha256} and ${b.sha256}`).toBeDefined();
    // The swaps took turns: the last one replaced exactly what the first one installed.
    expect(last.previousSha256).toBe(first.sha256);
    expect(await hello()).toBe(last === a ? 'hello from A' : 'hello from B');
  });

  it('waits for the run that holds the container, says whose, and takes over once it is gone', async () => {
    const holder = standIn();
    writeLock(containerLockFile(NAME, { ...process.env, ...env() }), holder.pid!, 'hotswap swap', '/elsewhere/repo');
    repoA.setMessage('hello after the wait');
    const swap: CliProcess = startCli(['swap'], { cwd: repoA.dir, env: env() });
    await swap.waitForOutput(new RegExp(`waiting for \`hotswap swap\` \\(pid ${holder.pid}\\) in /elsewhere/repo to finish its swap into ${NAME}`), 120_000);
    await killed(holder);
    const result = await swap.stop('SIGCONT', 120_000); // no signal that ends it: waits for its exit
    expect(result.code, result.stderr).toBe(0);
    expect(await hello()).toBe('hello after the wait');
  });

  it('gives up after target.lockTimeoutMs with exit 1, naming the holder, and leaves the container as it was', async () => {
    const holder = standIn();
    try {
      writeLock(containerLockFile(NAME, { ...process.env, ...env() }), holder.pid!, 'hotswap watch', '/elsewhere/repo');
      configure(repoB, { target: { lockTimeoutMs: 300 } });
      const before = await containerSha256(NAME);
      repoB.setMessage('hello never served');
      const result = await hotswap(repoB, ['swap']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`gave up after 0.3 s waiting for \`hotswap watch\` (pid ${holder.pid}) in /elsewhere/repo`);
      expect(await containerSha256(NAME)).toBe(before);
    } finally {
      await killed(holder);
      configure(repoB);
    }
  });

  it('exits 3 with one line when the lock directory cannot be made, and leaves the container as it was', async () => {
    const before = await containerSha256(NAME);
    const notADirectory = join(runtimeDir, 'a-file');
    writeFileSync(notADirectory, '');
    repoA.setMessage('hello without a lock directory');
    const result = await runCli(['swap'], { cwd: repoA.dir, env: { XDG_RUNTIME_DIR: notADirectory }, timeoutMs: 180_000 });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`cannot create the lock directory ${notADirectory}/hotswap`);
    expect(await containerSha256(NAME)).toBe(before);
  });
});

describe('the watch lock', () => {
  it('starts exactly one of several daemons started together over a stale lock', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    writeLock(join(repoA.dir, '.hotswap', 'watch.lock'), dead.pid!, 'hotswap watch', repoA.dir);
    const daemons = Array.from({ length: 4 }, () => startCli(['watch', '--dry-run', '--no-initial'], { cwd: repoA.dir, env: env() }));
    const said = await Promise.all(daemons.map((d) => d.waitForOutput(/watching .* \(pid \d+|already running/, 60_000)));
    const running = daemons.filter((_, i) => said[i]!.startsWith('watching'));
    expect(running, said.join('\n')).toHaveLength(1);
    const losers = await Promise.all(daemons.filter((d) => !running.includes(d)).map((d) => d.stop('SIGCONT', 30_000)));
    for (const r of losers) expect(r.code, r.stderr).toBe(1);
    const stop = await hotswap(repoA, ['stop']);
    expect(stop.stderr).toContain(`stopped hotswap watch (pid ${running[0]!.child.pid})`);
    expect((await running[0]!.stop('SIGCONT', 30_000)).code).toBe(0);
  });

  it('never signals a process that is not this repo\'s watch, and takes over a lock whose pid it now is', async () => {
    const stranger = standIn();
    try {
      // The pid of a watch that died, now reused by another process: its command line is not the one recorded.
      writeLock(join(repoA.dir, '.hotswap', 'watch.lock'), stranger.pid!, 'hotswap watch', repoA.dir, [process.execPath, CLI, 'watch']);
      const result = await hotswap(repoA, ['stop']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`the lock names pid ${stranger.pid}, which is another process now; left alone`);
      const daemon = startCli(['watch', '--dry-run', '--no-initial'], { cwd: repoA.dir, env: env() });
      await daemon.waitForOutput(/watching .* \(pid \d+/, 60_000);
      expect((await hotswap(repoA, ['stop'])).stderr).toContain(`stopped hotswap watch (pid ${daemon.child.pid})`);
      expect((await daemon.stop('SIGCONT', 30_000)).code).toBe(0);
      expect(stranger.exitCode).toBeNull();
      expect(stranger.signalCode).toBeNull();
    } finally {
      await killed(stranger);
    }
  });
});

describe('what the repo\'s config cannot make hotswap do', () => {
  it('never removes or uses a container that bears the builder\'s name but is not hotswap\'s', async () => {
    await removeContainer(FOREIGN);
    const run = await docker(['run', '-d', '--name', FOREIGN, '--network', 'none', RUNTIME_IMAGE]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    configure(repoA, { build: { mode: 'container', builderContainer: FOREIGN, builderImage: BUILDER_IMAGE } });
    try {
      repoA.setMessage('hello from a foreign builder');
      const result = await hotswap(repoA, ['swap']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`container ${FOREIGN} exists and is not hotswap's builder`);
      const after = await docker(['inspect', '--format', '{{.Id}} {{.State.Running}}', FOREIGN]);
      expect(after.stdout.trim()).toBe(`${id} true`);
    } finally {
      configure(repoA);
    }
  });

  it.each([
    ['/usr/bin', 'target.binaryPath /usr/bin is a directory in'],
    ['/no/such/dir/ollama', 'target.binaryPath /no/such/dir/ollama: the directory /no/such/dir does not exist in'],
  ])('refuses binaryPath %s before building anything (exit 2)', async (binaryPath, message) => {
    configure(repoA, { target: { binaryPath } });
    try {
      repoA.setMessage(`hello at ${binaryPath}`);
      const result = await hotswap(repoA, ['swap', '--json']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${message} ${NAME}`);
      expect(JSON.parse(result.stdout).phases.build).toBeUndefined();
    } finally {
      configure(repoA);
    }
  });

  it('logs the keys of build.env, never its values', async () => {
    const token = `tok-${process.pid}-secret`;
    configure(repoA, { build: { env: { CGO_ENABLED: '0', HS_API_TOKEN: token } } });
    try {
      repoA.setMessage('hello with a token');
      const result = await hotswap(repoA, ['swap']);
      expect(result.code, result.stderr).toBe(0);
      const log = readFileSync(join(repoA.dir, '.hotswap', 'hotswap.log'), 'utf8');
      expect(log).toContain('HS_API_TOKEN');
      expect(log).not.toContain(token);
    } finally {
      configure(repoA);
    }
  });
});
