/**
 * README features of the one-shot commands, in normal use, through the real CLI on the real engine: `swap
 * --if-changed`, `--no-restart` and the old script's `-Restart`, `--no-verify`, `notify.command` from the
 * config, `rollback --to`, `backups --prune`, `logs -n` and `logs -f`. One container for the file; the tests
 * run in order and build on what the previous ones left.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { containerSha256, docker, dockerExec, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-features-cli';
let repo: FixtureRepo;
let port: number;

interface Report { outcome: string; sha256: string; version: string; backup?: string; phases: Record<string, number>; warnings: string[] }
interface Backup { path: string; sha256: string; original: boolean }

/** Every backup stays unless pruned by hand, so the tests can count them. */
const configure = (extra: Record<string, unknown> = {}) =>
  writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 50 }, ...extra } });
const reports: Record<string, Report> = {};
const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, timeoutMs: 120_000 });
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const version = async () => JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
const startedAt = async () => (await docker(['inspect', '-f', '{{.State.StartedAt}}', NAME])).stdout.trim();

/** `hotswap swap ARGS --json`, expected to exit 0; its report. */
async function swapOk(...args: string[]): Promise<Report> {
  const result = await cli('swap', ...args, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

/** The backups `hotswap backups --json` lists (after pruning to `prune` when given), and those it pruned. */
async function backups(...args: string[]): Promise<{ backups: Backup[]; pruned: Backup[] }> {
  const result = await cli('backups', ...args, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** The backup files in the container's /tmp, by name. */
const backupFiles = async () =>
  (await dockerExec(NAME, ['ls', '/tmp'])).stdout.split('\n').map((l) => l.trim()).filter((f) => f.startsWith('ollama.backup_')).sort();

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  configure();
  await startContainer({ name: NAME, port });
  repo.setMessage('first build');
  await swapOk();
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo?.remove();
});

describe('swap --if-changed', () => {
  it('skips when nothing that goes into the binary changed: no build, the container untouched', async () => {
    const before = { started: await startedAt(), sha: await containerSha256(NAME) };
    repo.write('docs/README.md', `${repo.read('docs/README.md')}\nan edit of the docs\n`);
    repo.write('server/routes_test.go', `${repo.read('server/routes_test.go')}\n// an edit of a test\n`);
    const report = await swapOk('--if-changed');
    expect(report.outcome).toBe('skipped');
    expect(report.phases.build).toBeUndefined();
    expect(report.phases.copy).toBeUndefined();
    expect(await startedAt()).toBe(before.started);
    expect(await containerSha256(NAME)).toBe(before.sha);
    expect(await hello()).toBe('first build');
  });

  it('builds and swaps when a binary input changed', async () => {
    const before = await startedAt();
    repo.setMessage('changed source');
    const report = await swapOk('--if-changed');
    reports.changed = report;
    expect(report.outcome).toBe('swapped');
    expect(report.phases.build).toBeTypeOf('number');
    expect(await startedAt()).not.toBe(before);
    expect(await containerSha256(NAME)).toBe(report.sha256);
    expect(await hello()).toBe('changed source');
  });
});

describe('restart and verify switches', () => {
  it('--no-restart replaces the file only: the running process keeps serving the old code', async () => {
    const before = await startedAt();
    repo.setMessage('on disk only');
    const report = await swapOk('--no-restart');
    reports.notRestarted = report;
    expect(report.outcome).toBe('swapped');
    expect(report.phases.restart).toBeUndefined();
    expect(report.warnings).toContain('not restarted (--no-restart): the running process still serves the old code');
    expect(await containerSha256(NAME)).toBe(report.sha256);
    expect(await startedAt()).toBe(before);
    expect(await hello()).toBe('changed source');
  });

  it('the old script\'s -Restart -Verify restart and verify it', async () => {
    const before = await startedAt();
    const report = await swapOk('-Restart', '-Verify');
    expect(report.outcome).toBe('swapped');
    expect(Object.keys(report.phases)).toEqual(expect.arrayContaining(['verify', 'restart', 'health']));
    expect(await startedAt()).not.toBe(before);
    expect(await hello()).toBe('on disk only');
  });

  it('--no-verify restarts without the hash, health and version checks', async () => {
    const before = await startedAt();
    repo.setMessage('unverified');
    const report = await swapOk('--no-verify');
    expect(report.outcome).toBe('swapped');
    expect(report.phases.restart).toBeTypeOf('number');
    expect(report.phases.verify).toBeUndefined();
    expect(report.phases.health).toBeUndefined();
    expect(await startedAt()).not.toBe(before);
    expect(await containerSha256(NAME)).toBe(report.sha256);
    await waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === 'unverified', 15_000);
  });
});

describe('notify.command', () => {
  it('runs the command from the config file with the run\'s report on stdin', async () => {
    const received = path.join(repo.dir, '.hotswap', 'hook-stdin.json');
    const hook = [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], require("fs").readFileSync(0))', received];
    configure({ notify: { command: hook } });
    repo.setMessage('notified');
    const report = await swapOk();
    expect(JSON.parse(fs.readFileSync(received, 'utf8'))).toEqual(report);
    expect(report.outcome).toBe('swapped');
    configure();
  });
});

describe('rollback --to and backups --prune', () => {
  it('rollback --to NAME restores that backup, not the newest: its hash, its code, its version', async () => {
    // The --no-restart swap backed up the binary the --if-changed swap made; newer backups came after it.
    const { changed, notRestarted } = reports;
    expect(notRestarted!.backup).toMatch(new RegExp(`_${changed!.sha256}$`));
    expect((await backups()).backups.at(-1)!.path).not.toBe(notRestarted!.backup);
    const result = await cli('rollback', '--to', path.posix.basename(notRestarted!.backup!), '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'rolled-back', sha256: changed!.sha256, backup: notRestarted!.backup });
    expect(await containerSha256(NAME)).toBe(changed!.sha256);
    expect(await hello()).toBe('changed source');
    expect(await version()).toBe(changed!.version);
  });

  it('backups --prune N keeps the newest N and the original; --prune 0 keeps the original only', async () => {
    const all = (await backups()).backups;
    const others = all.filter((b) => !b.original);
    expect(all.filter((b) => b.original)).toHaveLength(1);
    expect(others.length).toBeGreaterThanOrEqual(3);

    const once = await backups('--prune', '1');
    expect(once.pruned.map((b) => b.path)).toEqual(others.slice(0, -1).map((b) => b.path));
    expect(once.backups.map((b) => b.path)).toEqual(all.filter((b) => b.original || b === others.at(-1)).map((b) => b.path));
    expect(await backupFiles()).toEqual(once.backups.map((b) => path.posix.basename(b.path)).sort());

    const none = await backups('--prune', '0');
    expect(none.backups).toHaveLength(1);
    expect(none.backups[0]!.path).toMatch(/\.original$/);
    expect(await backupFiles()).toEqual([path.posix.basename(none.backups[0]!.path)]);
    expect(await hello()).toBe('changed source');
  });
});

describe('logs', () => {
  /** Lines written to the server's own stdout, as if it had printed them. */
  const emit = async (...lines: string[]) => {
    const script = lines.map((l) => `echo ${l} > /proc/1/fd/1`).join('; ');
    expect((await dockerExec(NAME, ['sh', '-c', script])).code).toBe(0);
  };

  it('-n N prints exactly the last N lines', async () => {
    await emit(...Array.from({ length: 8 }, (_, i) => `feature-line-${i + 1}`));
    const result = await cli('logs', '-n', '3');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('feature-line-6\nfeature-line-7\nfeature-line-8\n');
  });

  it('-f follows new lines across a restart, and ends when the container is removed', async () => {
    const follow = startCli(['logs', '-f', '-n', '1'], { cwd: repo.dir });
    // It must end by itself once the container is gone: the test sends no signal before the bound.
    const exit = new Promise<string>((resolve) => follow.child.on('close', (code, signal) => resolve(`${code ?? signal}`)));
    const exitWithin = (ms: number) => Promise.race([exit, new Promise<string>((r) => setTimeout(() => r(`still running after ${ms} ms`), ms).unref())]);
    try {
      await follow.waitForOutput(/feature-line-8\n/, 15_000);
      expect(follow.stdout()).not.toContain('feature-line-7');
      await emit('before-the-restart');
      await follow.waitForOutput(/before-the-restart\n/, 15_000);
      repo.setMessage('followed');
      const report = await swapOk(); // every swap restarts the container
      await follow.waitForOutput(new RegExp(`listening on .*\\(version ${report.version.replace(/\./g, '\\.')}\\)`), 15_000);
      await emit('after-the-restart');
      await follow.waitForOutput(/after-the-restart\n/, 15_000);
      await removeContainer(NAME);
      expect(await exitWithin(15_000), follow.stderr()).toBe('0');
    } finally {
      await follow.stop('SIGTERM');
    }
  });
});
