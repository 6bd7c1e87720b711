/**
 * A recording fake of a container (ContainerClient) and of the engine (Engine) that holds it: the
 * container's file system is a temp dir, its scripts run for real in busybox `sh` (container paths mapped
 * under the dir), and a process starts, restarts and (for a chosen binary) crashes. No Docker.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { BINARY_PATH_CHECK, HASH_FILE, INSTALL, LIST_BACKUPS, RESTORE } from '../../src/swap/scripts.js';
import type { ArchivedEntry, ArchivedFile, ContainerClient, ContainerCreation, ContainerState, CreateSpec, Engine, ExecResult, LogOptions, Platform, PreparedExec } from '../../src/docker/client.js';

export const BINARY = '/usr/bin/ollama';
export const OLD = Buffer.from('old binary\n');
export const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');

export const SCRIPTS = new Map([[INSTALL, 'INSTALL'], [RESTORE, 'RESTORE'], [HASH_FILE, 'HASH_FILE'], [LIST_BACKUPS, 'LIST_BACKUPS'], [BINARY_PATH_CHECK, 'BINARY_PATH_CHECK']]);

/** The container's files, kept under a host dir: `get('/usr/bin/ollama')` reads `<root>/usr/bin/ollama`. */
export class RootFs {
  constructor(readonly root: string) {
    for (const dir of ['usr/bin', 'tmp']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  host = (p: string) => path.join(this.root, p);
  get = (p: string): Buffer | undefined => (fs.existsSync(this.host(p)) ? fs.readFileSync(this.host(p)) : undefined);
  set = (p: string, content: Buffer) => fs.writeFileSync(this.host(p), content);
  has = (p: string) => fs.existsSync(this.host(p));
  delete = (p: string) => fs.rmSync(this.host(p), { force: true });
  /** Every file, as container paths. */
  keys = () => (fs.readdirSync(this.root, { recursive: true }) as string[]).map((f) => `/${f}`).filter((f) => fs.statSync(this.host(f)).isFile());
}

/** A container with a file system in a temp dir. `calls` reads like a transcript: "exec INSTALL", "putFile done"… */
export class FakeContainer implements ContainerClient {
  readonly calls: string[] = [];
  readonly execs: (readonly string[])[] = [];
  readonly uploads: { dir: string; name: string; size: number; mode: number }[] = [];
  /** What each prepared run's `done` test said of the output the process ended with. */
  readonly doneSaid: boolean[] = [];
  readonly files: RootFs;
  running = true;
  exitCode = 0;
  private starts = 0;
  /** Flip a byte of every upload (a truncated or altered copy). */
  corruptUploads = false;
  /** The archive API fails (as on a broken engine): a stopped container cannot be restored. */
  brokenArchive = false;
  /** The sha256 of a binary that exits with code 2 right after it starts. */
  crashesWith: string | null = null;
  /** Archive writes into this dir stop half-way, as on a full disk. */
  fullDir: string | null = null;
  /** Someone runs `docker stop` right after the next restart (exit 2, as a Go pid 1 does on SIGTERM). */
  stopAfterRestart = false;

  constructor(root: string, readonly name = 'c') {
    this.files = new RootFs(root);
    this.files.set(BINARY, OLD);
  }

  /** false until the engine creates it (FakeEngine.createContainer). */
  exists = true;

  async inspect(): Promise<ContainerState | null> {
    this.calls.push('inspect');
    if (!this.exists) return null;
    return {
      id: 'id', name: this.name, status: this.running ? 'running' : 'exited', running: this.running, restarting: false,
      startedAt: `2026-11-26T00:00:${String(this.starts).padStart(2, '0')}Z`, exitCode: this.exitCode, imageId: 'sha256:img', pid: 0,
    };
  }

  /** Runs the real script in busybox, its absolute-path arguments moved under the root (and back in its output). */
  async exec(argv: readonly string[], input = ''): Promise<ExecResult> {
    const script = argv[0] === 'sh' && argv[1] === '-c' ? SCRIPTS.get(argv[2]!) ?? 'unknown script' : argv[0]!;
    this.calls.push(`exec ${script}`);
    this.execs.push(argv);
    if (!this.running) throw new Error(`container ${this.name} is not running`); // as Docker answers 409
    const mapped = argv.map((a, i) => (i > 0 && a.startsWith('/') ? this.files.host(a) : a));
    const input2 = input.replace(/^\//gm, `${this.files.root}/`);
    const r = spawnSync('busybox', mapped, { input: input2, encoding: 'utf8' });
    const back = (text: string) => text.split(this.files.root).join('');
    return { exitCode: r.status ?? -1, stdout: back(r.stdout), stderr: back(r.stderr) };
  }

  /** A prepared exec: `prepared` in the transcript, then `prepared run` when it gets its input. */
  async prepareExec(argv: readonly string[]): Promise<PreparedExec> {
    this.calls.push('prepareExec');
    if (!this.running) throw new Error(`container ${this.name} is not running`);
    let sent = '';
    return {
      write: (input) => {
        this.calls.push('prepared write');
        sent += input;
      },
      run: async (input, done) => {
        this.calls.push('prepared run');
        const result = await this.exec(argv, sent + input);
        if (done) this.doneSaid.push(done(result.stdout));
        return result;
      },
      cancel: () => this.calls.push('cancel'),
    };
  }

  /** No host path into a fake: its swaps take the engine's ways. */
  async openDir(): Promise<null> {
    return null;
  }

  async putFile(dir: string, name: string, content: Buffer | string, mode: number, linkAs?: string): Promise<void> {
    this.calls.push('putFile');
    if (this.brokenArchive && !this.running) throw new Error('archive API failed');
    const data = Buffer.from(typeof content === 'string' ? fs.readFileSync(content) : content);
    this.uploads.push({ dir, name, size: data.length, mode });
    if (this.corruptUploads) data[0] = data[0]! ^ 0xff;
    if (dir === this.fullDir) {
      this.files.set(path.posix.join(dir, name), data.subarray(0, data.length >> 1));
      throw new Error(`copying ${name} into c:${dir}: write ${name}: no space left on device`);
    }
    await new Promise((r) => setTimeout(r, 5)); // an upload takes a while: a rename that does not wait for it is caught
    this.files.set(path.posix.join(dir, name), data);
    if (linkAs) fs.linkSync(this.files.host(path.posix.join(dir, name)), this.files.host(path.posix.join(dir, `${linkAs}.link`)));
    if (linkAs) fs.renameSync(this.files.host(path.posix.join(dir, `${linkAs}.link`)), this.files.host(path.posix.join(dir, linkAs)));
    this.calls.push('putFile done');
  }

  async readFile(p: string): Promise<ArchivedFile | null> {
    this.calls.push('readFile');
    if (this.brokenArchive) throw new Error('archive API failed');
    const content = this.files.get(p);
    return content ? { path: p, size: content.length, modified: new Date(), sha256: sha(content), content, mode: 0o755 } : null;
  }

  async listFiles(dir: string, prefix: string): Promise<ArchivedEntry[]> {
    this.calls.push('listFiles');
    return this.files.keys().filter((f) => path.posix.dirname(f) === dir && path.posix.basename(f).startsWith(prefix))
      .map((f) => ({ path: f, size: this.files.get(f)!.length, modified: new Date(), sha256: sha(this.files.get(f)!) }));
  }

  async start(): Promise<void> {
    this.calls.push('start');
    this.boot();
  }

  async restart(): Promise<void> {
    this.calls.push('restart');
    this.boot();
    if (this.stopAfterRestart) [this.running, this.exitCode, this.stopAfterRestart, this.stopRequested] = [false, 2, false, true];
  }

  /** Set when the fake was stopped "from outside" (a `docker stop` the engine's events would show). */
  stopRequested = false;

  async stopRequestedSince(): Promise<boolean> {
    return this.stopRequested;
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


/** An engine holding one fake container, `c`; with `exists: false` it is created from the image when asked. */
export class FakeEngine implements Engine {
  readonly created: CreateSpec[] = [];
  constructor(readonly fake: FakeContainer, private readonly platform: Platform = { os: 'linux', arch: 'amd64', variant: null }) {}
  async ping(): Promise<void> {}
  async version(): Promise<string> {
    return 'fake (API 1.0)';
  }
  container(name: string): ContainerClient {
    expect(name).toBe(this.fake.name);
    return this.fake;
  }
  async imagePlatform(): Promise<Platform | null> {
    return this.platform;
  }
  /** Created, not started: it holds the image's binary (OLD). */
  async createContainer(spec: CreateSpec): Promise<void> {
    this.created.push(spec);
    [this.fake.exists, this.fake.running] = [true, false];
  }
  async creationOf(): Promise<ContainerCreation | null> {
    return null;
  }
}
