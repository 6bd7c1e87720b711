/** The holder-naming lock file on a real file system: who holds it, when it is stale, who may remove it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holderOf, liveHolder, release, tryTake, type Holder } from '../../src/lock/lock-file.js';
import { checkStateDir } from '../../src/state/store.js';

let dir: string;
let file: string;
let sleeper: ChildProcess | null = null;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-lock-'));
  file = path.join(dir, 'x.lock');
});
afterEach(() => {
  sleeper?.kill('SIGKILL');
  sleeper = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const record = (holder: Partial<Holder> & { pid: number }) =>
  fs.writeFileSync(file, JSON.stringify({ command: 'hotswap swap', repo: '/r', since: 'then', ...holder }));
/** A pid that belonged to a process now gone. */
const deadPid = () => spawnSync('true').pid;
const aSleeper = () => (sleeper = spawn('sleep', ['600'], { stdio: 'ignore' })).pid!;

describe('a lock file that names its holder', () => {
  it('is taken when free, names this process, and is released by it only', async () => {
    expect(await tryTake(file, holderOf('/repo'))).toEqual({ taken: true });
    expect((await liveHolder(file))?.pid).toBe(process.pid);
    expect((await liveHolder(file))?.repo).toBe('/repo');
    await release(file);
    expect(fs.existsSync(file)).toBe(false);
    record({ pid: aSleeper(), argv: ['sleep', '600'] });
    await release(file); // not ours: left alone
    expect(fs.existsSync(file)).toBe(true);
  });

  it('is not taken while its holder runs the command line it recorded', async () => {
    const pid = aSleeper();
    record({ pid, argv: ['sleep', '600'] });
    const result = await tryTake(file, holderOf('/repo'));
    expect(result).toEqual({ taken: false, holder: expect.objectContaining({ pid, command: 'hotswap swap' }) });
  });

  it('is taken over when its holder is dead, or its pid now runs another command line', async () => {
    record({ pid: deadPid() });
    expect(await tryTake(file, holderOf('/repo'))).toEqual({ taken: true });
    record({ pid: aSleeper(), argv: ['node', '/x/dist/cli.js', 'watch'] });
    expect(await tryTake(file, holderOf('/repo'))).toEqual({ taken: true });
    expect((await liveHolder(file))?.pid).toBe(process.pid);
  });

  it('is taken over past a guard left by a taker that died holding it', async () => {
    const stale = JSON.stringify({ pid: deadPid(), command: 'hotswap swap', repo: '/r', since: 'then' });
    fs.writeFileSync(file, stale);
    const guard = `${file}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
    fs.writeFileSync(guard, '1\n');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(guard, old, old);
    expect(await tryTake(file, holderOf('/repo'))).toEqual({ taken: true });
    expect(fs.readdirSync(dir).filter((n) => n.includes('.takeover-'))).toEqual([]);
  });
});

describe('.hotswap and symbolic links', () => {
  it('refuses a link at .hotswap or two levels in it, and names it', () => {
    fs.mkdirSync(path.join(dir, '.hotswap', 'bin'), { recursive: true });
    expect(() => checkStateDir(dir)).not.toThrow();
    fs.symlinkSync('/etc/passwd', path.join(dir, '.hotswap', 'bin', 'ollama-dev'));
    expect(() => checkStateDir(dir)).toThrow(`${path.join(dir, '.hotswap', 'bin', 'ollama-dev')} is a symbolic link (to /etc/passwd)`);
  });
});
