/**
 * swapBinary against a recording fake container: an in-memory file system that runs the swap scripts the
 * way busybox would, and a process that starts, restarts and (for a chosen binary) crashes. No Docker.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Artifact } from '../../src/build/builder.js';
import type { TargetConfig } from '../../src/config/types.js';
import { HotswapError } from '../../src/errors.js';
import { phaseRunner } from '../../src/phase.js';
import { newReport, type Report } from '../../src/report.js';
import { HASH_FILE, INSTALL, INSTALL_ON_GO, LIST_BACKUPS, RESTORE } from '../../src/swap/scripts.js';
import { swapBinary, type SwapResult } from '../../src/swap/transaction.js';
import type { ContainerClient, ContainerState, ExecResult, LogOptions, PreparedExec } from '../../src/target/client.js';
import { silentProgress } from '../../src/ui/progress.js';

const BINARY = '/usr/bin/ollama';
const TEMP = '/usr/bin/.ollama.hotswap-new';
const OLD = Buffer.from('old binary\n');
const NEW = Buffer.from('new binary, a little longer\n');
const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');

const SCRIPTS = new Map([[INSTALL, 'INSTALL'], [RESTORE, 'RESTORE'], [HASH_FILE, 'HASH_FILE'], [LIST_BACKUPS, 'LIST_BACKUPS']]);

/** A container with a file system in a Map. `calls` reads like a transcript: "exec INSTALL", "putFile done"… */
class FakeContainer implements ContainerClient {
  readonly name = 'c';
  readonly calls: string[] = [];
  readonly execs: (readonly string[])[] = [];
  readonly uploads: { dir: string; name: string; size: number; mode: number }[] = [];
  readonly files = new Map<string, Buffer>([[BINARY, OLD]]);
  running = true;
  exitCode = 0;
  private starts = 0;
  /** Flip a byte of every upload (a truncated or altered copy). */
  corruptUploads = false;
  /** The archive API fails (as on a broken engine): a stopped container cannot be restored. */
  brokenArchive = false;
  /** The sha256 of a binary that exits with code 2 right after it starts. */
  crashesWith: string | null = null;

  async inspect(): Promise<ContainerState> {
    this.calls.push('inspect');
    return {
      id: 'id', name: this.name, status: this.running ? 'running' : 'exited', running: this.running, restarting: false,
      startedAt: `2026-11-26T00:00:${String(this.starts).padStart(2, '0')}Z`, exitCode: this.exitCode, imageId: 'sha256:img',
    };
  }

  async exec(argv: readonly string[]): Promise<ExecResult> {
    const script = argv[0] === 'sh' && argv[1] === '-c' ? SCRIPTS.get(argv[2]!) ?? 'unknown script' : argv[0]!;
    this.calls.push(`exec ${script}`);
    this.execs.push(argv);
    if (!this.running) throw new Error(`container ${this.name} is not running`); // as Docker answers 409
    const [a = '', b = '', c = '', d = '', prefix = '', keep = ''] = script === argv[0] ? argv.slice(1) : argv.slice(4);
    const hashOf = (file: string): ExecResult => {
      const content = this.files.get(file);
      return content
        ? { exitCode: 0, stdout: `${sha(content)}  ${file}\n`, stderr: '' }
        : { exitCode: 1, stdout: '', stderr: `sha256sum: can't open '${file}'` };
    };
    switch (script) {
      case 'INSTALL': { // $1 binary, $2 backup, $3 uploaded temp file, $4 expected sha256 or ''
        const content = this.files.get(c);
        if (!content) return { exitCode: 1, stdout: '', stderr: `sha256sum: can't open '${c}'` };
        if (d && sha(content) !== d) {
          this.files.delete(c);
          return { exitCode: 3, stdout: `mismatch ${sha(content)}\n`, stderr: '' };
        }
        const current = this.files.get(a);
        if (current) this.files.set(b, current);
        if (keep !== '') { // $5 prefix, $6 keep: the oldest backups beyond it go
          const found = [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
          for (const p of found.slice(0, Math.max(0, found.length - Number(keep)))) this.files.delete(p);
        }
        this.files.delete(c);
        this.files.set(a, content);
        return { exitCode: 0, stdout: `${current ? 'backup\n' : ''}installed ${d ? sha(content) : ''}\n`, stderr: '' };
      }
      case 'RESTORE': {
        const content = this.files.get(b);
        if (!content) return { exitCode: 1, stdout: '', stderr: `cp: can't stat '${b}'` };
        this.files.set(c, content);
        this.files.delete(c);
        this.files.set(a, content);
        return hashOf(a);
      }
      case 'LIST_BACKUPS': {
        const lines = [...this.files].filter(([p]) => p.startsWith(a)).map(([p, content]) => `${content.length} 1764115200 ${p}\n`);
        return { exitCode: 0, stdout: lines.join(''), stderr: '' };
      }
      case 'HASH_FILE':
        return hashOf(a);
      case 'rm':
        for (const p of argv.slice(3)) this.files.delete(p);
        return { exitCode: 0, stdout: '', stderr: '' };
      default:
        return { exitCode: 127, stdout: '', stderr: `${argv[0]}: not found` };
    }
  }

  /** A prepared exec: `prepared` in the transcript, then the script's own exec line when it runs. */
  async prepareExec(argv: readonly string[]): Promise<PreparedExec> {
    this.calls.push('prepareExec');
    if (!this.running) throw new Error(`container ${this.name} is not running`);
    if (argv[2] !== INSTALL_ON_GO) throw new Error('only INSTALL is prepared');
    return {
      run: async (input) => {
        this.calls.push('prepared run');
        const [go, ...args] = input.split('\n');
        if (go !== 'go') return { exitCode: 125, stdout: '', stderr: '' };
        return this.exec(['sh', '-c', INSTALL, 'sh', ...args.slice(0, 6)]);
      },
      cancel: () => this.calls.push('cancel'),
    };
  }

  async putFile(dir: string, name: string, content: Buffer, mode: number): Promise<void> {
    this.calls.push('putFile');
    this.uploads.push({ dir, name, size: content.length, mode });
    const data = Buffer.from(content);
    if (this.corruptUploads) data[0] = data[0]! ^ 0xff;
    await new Promise((r) => setTimeout(r, 5)); // an upload takes a while: a rename that does not wait for it is caught
    this.files.set(`${dir}/${name}`, data);
    this.calls.push('putFile done');
  }

  async copyWithin(from: string, toDir: string, toName: string): Promise<void> {
    this.calls.push('copyWithin');
    if (this.brokenArchive) throw new Error('archive API failed');
    const content = this.files.get(from);
    if (!content) throw new Error(`no such file ${from}`);
    this.files.set(`${toDir}/${toName}`, content);
  }

  async start(): Promise<void> {
    this.calls.push('start');
    this.boot();
  }

  async restart(): Promise<void> {
    this.calls.push('restart');
    this.boot();
  }

  async stop(): Promise<void> {
    this.calls.push('stop');
    this.running = false;
  }

  async logs(_options: LogOptions): Promise<string> {
    return this.running ? '' : 'panic: boom at start\n';
  }

  async followLogs(): Promise<void> {}

  private boot() {
    this.starts += 1;
    const crashes = this.crashesWith !== null && sha(this.files.get(BINARY) ?? Buffer.alloc(0)) === this.crashesWith;
    this.running = !crashes;
    this.exitCode = crashes ? 2 : 0;
  }

  /** Position of the first call that starts with `prefix`; fails the test when there is none. */
  indexOf(prefix: string): number {
    const at = this.calls.findIndex((c) => c.startsWith(prefix));
    expect(at, `no "${prefix}" in ${this.calls.join(', ')}`).toBeGreaterThanOrEqual(0);
    return at;
  }

  scripts(name: string) {
    return this.execs.filter((argv) => argv[2] === [...SCRIPTS].find(([, n]) => n === name)?.[0]);
  }
}

const target = (over: Partial<TargetConfig> = {}): TargetConfig => ({
  container: 'c', image: null, binaryPath: BINARY,
  create: { network: null, ports: [], env: {}, volumes: [], gpus: null },
  restart: true, stopTimeoutS: 1, verify: true, rollbackOnFail: true, keepBackups: 3, keepBackup: false, lockTimeoutMs: 1000,
  health: { url: null, versionUrl: null, timeoutMs: 2000, intervalMs: 5 },
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
  artifact = { path: file, size: NEW.length, sha256: sha(NEW), builder: { mode: 'local', reason: 'test' } };
  container = new FakeContainer();
  report = newReport('manual', 'c');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const swap = (over: Partial<TargetConfig> = {}): Promise<SwapResult> =>
  swapBinary({
    container, target: target(over), artifact, version: null,
    phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
  });

const backups = () => [...container.files.keys()].filter((p) => p.startsWith('/tmp/ollama.backup_')).sort();

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

  it('keeps the old binary as the backup, taken before the rename', async () => {
    const result = await swap();
    expect(result.backup).toMatch(/^\/tmp\/ollama\.backup_\d{8}_\d{6}_\d{3}$/);
    expect(container.files.get(result.backup)).toEqual(OLD);
    expect(container.scripts('INSTALL')).toEqual([['sh', '-c', INSTALL, 'sh', BINARY, result.backup, TEMP, sha(NEW), '/tmp/ollama.backup_', '3']]);
    expect(INSTALL.indexOf('"$1" "$2"')).toBeGreaterThan(-1);
    expect(INSTALL.indexOf('"$1" "$2"')).toBeLessThan(INSTALL.indexOf('mv -f "$3" "$1"'));
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

  it('starts a stopped container before the swap, since exec needs it running', async () => {
    container.running = false;
    expect((await swap()).outcome).toBe('swapped');
    expect(container.indexOf('start')).toBeLessThan(container.indexOf('putFile'));
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

  it('throws with a `hotswap rollback` hint and restores nothing when rollbackOnFail is off', async () => {
    container.crashesWith = sha(NEW);
    const error = await swap({ rollbackOnFail: false }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HotswapError);
    expect((error as HotswapError).message).toContain('exited with code 2');
    expect((error as HotswapError).hint).toMatch(/`hotswap rollback` restores \/tmp\/ollama\.backup_\d{8}_\d{6}_\d{3}/);
    expect(container.scripts('RESTORE')).toEqual([]);
    expect(container.calls).not.toContain('copyWithin');
  });

  it('runs INSTALL through a prepared exec, and through a plain one when the prepared one was cancelled', async () => {
    const prepared = container.prepareExec(['sh', '-c', INSTALL_ON_GO]);
    const result = await swapBinary({
      container, prepared, target: target(), artifact, version: null,
      phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
    });
    expect(result.outcome).toBe('swapped');
    expect(container.indexOf('prepared run')).toBeLessThan(container.indexOf('exec INSTALL'));
    const cancelled: PreparedExec = { run: async () => ({ exitCode: 125, stdout: '', stderr: '' }), cancel: () => undefined };
    container.calls.length = 0;
    await swapBinary({
      container, prepared: Promise.resolve(cancelled), target: target(), artifact, version: null,
      phase: phaseRunner(report, silentProgress), progress: silentProgress, log: pino({ level: 'silent' }),
    });
    expect(container.calls).toContain('exec INSTALL');
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('restores a binary that crashes at start through the archive API, then restarts the old one', async () => {
    container.crashesWith = sha(NEW);
    const result = await swap();
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.message).toContain('exited with code 2');
    expect(result.failure?.details).toContain('panic: boom at start');
    expect(container.calls).toContain('copyWithin');
    expect(container.running).toBe(true);
    expect(container.files.get(BINARY)).toEqual(OLD);
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

  it('prunes backups down to target.keepBackups after a good swap', async () => {
    const old = ['/tmp/ollama.backup_20200101_000000_001', '/tmp/ollama.backup_20200101_000000_002', '/tmp/ollama.backup_20200101_000000_003'];
    for (const p of old) container.files.set(p, OLD);
    const result = await swap({ keepBackups: 2 });
    expect(backups()).toEqual([old[2], result.backup]);
  });

  it('keeps every backup with keepBackup', async () => {
    const old = ['/tmp/ollama.backup_20200101_000000_001', '/tmp/ollama.backup_20200101_000000_002', '/tmp/ollama.backup_20200101_000000_003'];
    for (const p of old) container.files.set(p, OLD);
    const result = await swap({ keepBackups: 2, keepBackup: true });
    expect(backups()).toEqual([...old, result.backup]);
    expect(container.scripts('LIST_BACKUPS')).toEqual([]);
  });
});
