/**
 * swapBinary against a recording fake container (test/support/fake-container.ts): its file system is a temp
 * dir, its scripts run for real in busybox `sh`. No Docker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Artifact } from '../../src/builders/builder.js';
import type { TargetConfig } from '../../src/config/types.js';
import { HotswapError } from '../../src/errors.js';
import { phaseRunner } from '../../src/phase.js';
import { newReport, type Report } from '../../src/report.js';
import { listBackups } from '../../src/swap/backups.js';
import { HASHER_LINE, INSTALL } from '../../src/swap/scripts.js';
import { prepareInstall, restoreBackup, swapBinary, type SwapResult } from '../../src/swap/transaction.js';
import type { PreparedInstall } from '../../src/swap/install.js';
import { silentProgress } from '../../src/ui/progress.js';
import { BINARY, FakeContainer, OLD, sha } from '../support/fake-container.js';

const TEMP = '/usr/bin/.ollama.hotswap-new';
const NEW = Buffer.from('new binary, a little longer\n');
/** INSTALL's $9 for a binary: its size, its middle and both halves' hashes. */
const halves = (content: Buffer) => {
  const split = content.length >> 1;
  return `${content.length} ${split} ${sha(content.subarray(0, split))} ${sha(content.subarray(split))}`;
};
const BACKUP_NAME = /^\/tmp\/ollama\.backup_\d{8}_\d{6}_\d{3}_[0-9a-f]{64}(\.original)?$/;


const target = (over: Partial<TargetConfig> = {}): TargetConfig => ({
  container: 'c', image: null, binaryPath: BINARY,
  create: { network: null, ports: [], env: {}, volumes: [], gpus: null, command: null },
  restart: true, stopTimeoutS: 1, verify: true, rollbackOnFail: true, keepBackups: 3, writeFromHost: true, keepBackup: false, backupDir: '/tmp', lockTimeoutMs: 1000,
  health: { url: null, versionUrl: null, timeoutMs: 2000, intervalMs: 5, allowRemote: false },
  ...over,
});

let dir: string;
let artifact: Artifact;
let container: FakeContainer;
let report: Report;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-transaction-'));
  const file = path.join(dir, 'ollama-dev');
  fs.writeFileSync(file, NEW);
  artifact = { path: file, size: NEW.length, sha256: Promise.resolve(sha(NEW)), builder: { mode: 'local', reason: 'test' } };
  container = new FakeContainer(path.join(dir, 'root'));
  report = newReport('manual', 'c');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const swap = (over: Partial<TargetConfig> = {}): Promise<SwapResult> =>
  swapBinary({
    container, target: target(over), artifact, version: null,
    phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
  });

const backups = () => container.files.keys().filter((p) => p.startsWith('/tmp/ollama.backup_')).sort();
const stamped = (n: number, content: Buffer, original = false) => `/tmp/ollama.backup_20200101_000000_00${n}_${sha(content)}${original ? '.original' : ''}`;

describe('swapBinary', () => {
  it('uploads the whole file before the rename, then restarts, and serves the new binary', async () => {
    const result = await swap();
    expect(result.outcome).toBe('swapped');
    const install = container.indexOf('exec INSTALL');
    expect(container.indexOf('putFile done')).toBeLessThan(install);
    expect(install).toBeLessThan(container.indexOf('restart'));
    expect(container.files.get(BINARY)).toEqual(NEW);
    expect(container.files.has(TEMP)).toBe(false);
    expect(Object.keys(report.phases)).toEqual(expect.arrayContaining(['copy', 'verify', 'restart', 'health']));
  });

  it('keeps the old binary as the backup, named with its sha256, the first one marked original', async () => {
    const result = await swap();
    expect(result.backup).toMatch(BACKUP_NAME);
    expect(result.backup).toMatch(new RegExp(`_${sha(OLD)}\\.original$`));
    expect(result.previousSha256).toBe(sha(OLD));
    expect(container.files.get(result.backup!)).toEqual(OLD);
    const [argv] = container.scripts('INSTALL');
    expect(argv?.slice(4)).toEqual([BINARY, expect.stringMatching(/^\/tmp\/ollama\.backup_\d{8}_\d{6}_\d{3}$/), TEMP, sha(NEW), '/tmp/ollama.backup_', '3', '/tmp/.ollama.backup-partial', '', halves(NEW)]);
    expect(INSTALL.indexOf('"$1" "$7"')).toBeGreaterThan(-1);
    expect(INSTALL.indexOf('"$1" "$7"')).toBeLessThan(INSTALL.indexOf('mv -f "$3" "$1"'));
  });

  it('takes no new backup when a kept one holds the live binary (a failed swap leaves no extra one)', async () => {
    container.crashesWith = sha(NEW);
    const first = await swap();
    expect(first.outcome).toBe('rolled-back');
    const second = await swap();
    expect(second.outcome).toBe('rolled-back');
    // The same backup, renamed to the second swap's time (rollback restores the newest).
    const stampless = (path: string | null | undefined) => path?.replace(/backup_\d{8}_\d{6}_\d{3}_/, 'backup_');
    expect(stampless(second.backup)).toBe(stampless(first.backup));
    expect(backups()).toEqual([second.backup]);
  });

  it('never uploads onto the binary path, only to a temp name in the same directory', async () => {
    await swap();
    expect(container.uploads).toEqual([{ dir: '/usr/bin', name: '.ollama.hotswap-new', size: NEW.length, mode: 0o755 }]);
    expect(container.scripts('INSTALL').map((argv) => argv[6])).toEqual([TEMP]);
  });

  it('passes paths to the scripts as arguments, never inside the script text', async () => {
    const result = await swap();
    expect(container.execs.length).toBeGreaterThan(0);
    for (const argv of container.execs) if (argv[0] === 'sh') expect(argv[2]).not.toContain(result.backup);
    for (const argv of container.execs) if (argv[0] === 'sh') expect(argv[2]).not.toContain(BINARY);
  });

  it('swaps into a stopped container through the archive API, backing up first, then starts it and removes an old upload', async () => {
    container.running = false;
    container.files.set(TEMP, Buffer.from('left by an install cut off earlier'));
    const result = await swap();
    expect(result.outcome).toBe('swapped');
    expect(container.execs).toEqual([['rm', '-f', '--', TEMP, '/tmp/.ollama.backup-partial']]);
    expect(container.indexOf('start')).toBeLessThan(container.indexOf('exec rm'));
    expect(container.files.has(TEMP)).toBe(false);
    expect(container.files.get(result.backup!)).toEqual(OLD);
    expect(container.files.get(BINARY)).toEqual(NEW);
    expect(container.indexOf('stop')).toBeLessThan(container.indexOf('putFile'));
    expect(container.indexOf('putFile')).toBeLessThan(container.indexOf('start'));
    expect(container.running).toBe(true);
  });

  it('leaves a stopped container\'s binary and backups as they were when an archive write is cut short', async () => {
    container.running = false;
    container.fullDir = '/tmp';
    const error = await swap().then(() => null, (e: unknown) => e);
    expect((error as HotswapError).message).toMatch(/no room in \/tmp \(a backup needs/);
    expect(await listBackups(container, target())).toEqual([]);
    expect(container.files.get(BINARY)).toEqual(OLD);

    container.fullDir = '/usr/bin';
    await expect(swap()).rejects.toThrow(/no space left on device/);
    expect(container.files.get(BINARY)).toEqual(OLD);
    expect((await listBackups(container, target())).map((b) => b.sha256)).toEqual([sha(OLD)]);
  });

  it('refuses a corrupt upload before the rename: the old binary stays, nothing restarts, nothing to roll back', async () => {
    container.corruptUploads = true;
    const error = await swap().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).message).toContain('sha256 mismatch');
    expect((error as HotswapError).phase).toBe('verify');
    expect((error as HotswapError).hint).toContain('the binary was not replaced');
    expect(container.files.get(BINARY)).toEqual(OLD);
    expect(container.files.has(TEMP)).toBe(false);
    expect(container.calls).not.toContain('restart');
    expect(container.scripts('RESTORE')).toEqual([]);
  });

  it('stops with one line naming the backup dir, the room needed and target.backupDir when the backup cannot be made', async () => {
    const error = await swap({ backupDir: '/no-such-dir' }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).phase).toBe('backup');
    expect((error as HotswapError).message).toContain(`backing up ${BINARY} in c`);
    expect((error as HotswapError).message).toContain(`a backup needs 0.0 MB`);
    expect((error as HotswapError).hint).toMatch(/free space in \/no-such-dir in the container, or set target\.backupDir/);
    expect(container.files.get(BINARY)).toEqual(OLD);
    expect(container.files.has(TEMP)).toBe(false);
  });

  it('throws with a `hotswap rollback` hint and restores nothing when rollbackOnFail is off', async () => {
    container.crashesWith = sha(NEW);
    const error = await swap({ rollbackOnFail: false }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).message).toContain('exited with code 2');
    expect((error as HotswapError).hint).toMatch(/`hotswap rollback` restores \/tmp\/ollama\.backup_\d{8}_\d{6}_\d{3}_/);
    expect(container.scripts('RESTORE')).toEqual([]);
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('recovers a crashed container left by a swap without rollback: lists, restores and starts through the archive API', async () => {
    container.crashesWith = sha(NEW);
    await swap({ rollbackOnFail: false }).catch(() => undefined);
    expect(container.running).toBe(false);
    const [backup, ...more] = await listBackups(container, target());
    expect(more).toEqual([]);
    expect(backup?.original).toBe(true);
    expect(await restoreBackup(container, target(), backup!)).toBe(sha(OLD));
    expect(container.running).toBe(true);
    expect(container.files.get(BINARY)).toEqual(OLD);
  });

  it('refuses to restore a backup whose bytes no longer match its name', async () => {
    container.crashesWith = sha(NEW);
    await swap({ rollbackOnFail: false }).catch(() => undefined);
    const backup = backups()[0]!;
    container.files.set(backup, Buffer.from('old bin')); // cut short
    expect(await listBackups(container, target())).toEqual([]);
    const error = await restoreBackup(container, target(), { path: backup, size: 0, modified: '', sha256: sha(OLD), original: true })
      .then(() => null, (e: unknown) => e);
    expect((error as HotswapError).message).toMatch(/is damaged/);
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('runs INSTALL through a prepared exec, and through a plain one when the prepared one was cancelled or killed', async () => {
    const prepared = prepareInstall(container, BINARY);
    const result = await swapBinary({
      container, prepared, target: target(), artifact, version: null,
      phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
    });
    expect(result.outcome).toBe('swapped');
    expect(container.calls).toContain('prepared run');
    expect(container.scripts('INSTALL')).toEqual([]);
    // The restart proves itself against the process INSTALL ran in: no inspect between them.
    expect(container.doneSaid).toEqual([true]); // INSTALL's last line tells its success: no wait for its exit code
    const [ran, restarted] = [container.calls.indexOf('prepared run'), container.calls.indexOf('restart')];
    expect(ran).toBeGreaterThan(-1);
    expect(container.calls.slice(ran, restarted + 2).filter((c) => c !== 'exec unknown script')).toEqual(['prepared run', 'restart', 'inspect']);
    const startedAt = (await container.inspect())!.startedAt;
    // Cancelled (EOF), or killed during the upload having printed its hasher line at most.
    for (const [exitCode, stdout] of [[125, ''], [137, ''], [137, `${HASHER_LINE}\n`], [143, 'hasher sha256sum\nstaged\n']] as const) {
      const gone: PreparedInstall = { write: () => undefined, run: async () => ({ exitCode, stdout, stderr: '' }), cancel: () => undefined, startedAt };
      container.calls.length = 0;
      container.files.set(BINARY, OLD);
      await swapBinary({
        container, prepared: Promise.resolve(gone), target: target(), artifact, version: null,
        phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
      });
      expect(container.calls).toContain('exec INSTALL');
      expect(container.calls[container.calls.indexOf('restart') - 1]).toBe('inspect'); // a plain exec's process is not known
      expect(container.files.get(BINARY)).toEqual(NEW);
    }
  });

  it('does not use what was prepared in another process than the one inspected before the upload (preparedIn)', async () => {
    const prepared = prepareInstall(container, BINARY);
    await prepared;
    container.calls.length = 0;
    const result = await swapBinary({
      container, prepared, preparedIn: '2026-11-25T00:00:00Z', target: target(), artifact, version: null,
      phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
    });
    expect(result.outcome).toBe('swapped');
    expect(container.calls.filter((c) => c === 'inspect').length).toBeGreaterThan(0);
    expect(container.calls).not.toContain('prepared run');
    expect(container.scripts('INSTALL')).toHaveLength(1);
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('does not use a prepared install whose container restarted during the build: a plain exec installs', async () => {
    const prepared = prepareInstall(container, BINARY);
    await prepared;
    await container.restart(); // stopped and started while the build ran: the prepared process is gone
    container.calls.length = 0;
    const result = await swapBinary({
      container, prepared, target: target(), artifact, version: null,
      phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
    });
    expect(result.outcome).toBe('swapped');
    expect(container.calls).not.toContain('prepared run');
    expect(container.calls).toContain('cancel');
    expect(container.scripts('INSTALL')).toHaveLength(1);
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('restores a binary that crashes at start through the archive API, then restarts the old one', async () => {
    container.crashesWith = sha(NEW);
    const result = await swap();
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.message).toContain('exited with code 2');
    expect(result.failure?.details).toContain('panic: boom at start');
    expect(container.calls).toContain('readFile');
    expect(container.running).toBe(true);
    expect(container.files.get(BINARY)).toEqual(OLD);
  });

  it('neither rolls back nor judges the new binary when the container is stopped from outside during the health check', async () => {
    container.stopAfterRestart = true;
    const error = await swap().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).message).toContain('exited with code 2');
    expect((error as HotswapError).hint).toMatch(/stopped under the swap.*stays in place/);
    expect(container.files.get(BINARY)).toEqual(NEW);
    expect(container.calls).not.toContain('readFile');
    expect(container.scripts('RESTORE')).toEqual([]);
  });

  it('says so when the rollback fails too, and how to retry it', async () => {
    container.crashesWith = sha(NEW);
    container.brokenArchive = true; // the crashed container cannot get its old binary back
    const error = await swap().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).message).toMatch(/exited with code 2.*the rollback failed too/);
    expect((error as HotswapError).hint).toMatch(/hotswap rollback --to \/tmp\/ollama\.backup_/);
  });

  it('leaves the running process alone with restart off, and warns that it serves the old code', async () => {
    const result = await swap({ restart: false });
    expect(result.outcome).toBe('swapped');
    expect(container.calls).not.toContain('restart');
    expect(result.warnings.join('\n')).toContain('not restarted');
  });

  it('prunes backups down to target.keepBackups after a good swap, keeping the original', async () => {
    const old = [1, 2, 3, 4].map((n) => stamped(n, Buffer.from(String(n)), n === 1));
    old.forEach((p, i) => container.files.set(p, Buffer.from(String(i + 1))));
    const result = await swap({ keepBackups: 2 });
    expect(backups()).toEqual([old[0], old[3], result.backup]);
  });

  it('keeps every backup with keepBackup', async () => {
    const old = [1, 2, 3].map((n) => stamped(n, Buffer.from(String(n))));
    old.forEach((p, i) => container.files.set(p, Buffer.from(String(i + 1))));
    const result = await swap({ keepBackups: 2, keepBackup: true });
    expect(backups()).toEqual([...old, result.backup]);
    expect(container.scripts('LIST_BACKUPS')).toEqual([]);
  });
});
