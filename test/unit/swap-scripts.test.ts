import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { backupsToPrune, parseBackupList, type Backup } from '../../src/swap/backups.js';
import {
  BACKUP_FAILED, BINARY_PATH_CHECK, backupStamp, CANCELLED, execFailure, HASH_FILE, HASHER_LINE, INSTALL_ON_GO, installDone, installGo, installInput, LIST_BACKUPS, parseBackupName, parseInstallOutput,
  parseSha256, RESTORE, swapPaths,
} from '../../src/swap/scripts.js';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AT = new Date('2026-11-26T00:45:12.123Z');

describe('swapPaths', () => {
  it('uploads beside the binary under a hidden temp name, and backs up into /tmp by default', () => {
    expect(swapPaths('/usr/bin/ollama', AT)).toEqual({
      dir: '/usr/bin',
      base: 'ollama',
      tempName: '.ollama.hotswap-new',
      temp: '/usr/bin/.ollama.hotswap-new',
      backupDir: '/tmp',
      backupStem: '/tmp/ollama.backup_20261126_004512_123',
      backupPrefix: '/tmp/ollama.backup_',
      backupTemp: '/tmp/.ollama.backup-partial',
    });
  });

  it('backs up into target.backupDir, a trailing slash or not', () => {
    expect(swapPaths('/usr/bin/ollama', AT, '/var/cache/').backupStem).toBe('/var/cache/ollama.backup_20261126_004512_123');
    expect(swapPaths('/usr/bin/ollama', AT, '/data').backupTemp).toBe('/data/.ollama.backup-partial');
    expect(swapPaths('/usr/bin/ollama', AT, '/data//').backupPrefix).toBe('/data/ollama.backup_');
  });

  it('handles a binary at the root without a double slash', () => {
    const paths = swapPaths('/ollama', AT);
    expect(paths.dir).toBe('/');
    expect(paths.temp).toBe('/.ollama.hotswap-new');
  });
});

describe('backupStamp', () => {
  it('writes UTC time with zero padding down to the millisecond', () => {
    expect(backupStamp(new Date('2027-01-02T03:04:05.006Z'))).toBe('20270102_030405_006');
  });

  it('sorts as text in time order', () => {
    const times = ['2026-11-26T09:59:59.999Z', '2026-11-26T10:00:00.000Z', '2026-11-26T10:00:00.001Z', '2026-12-01T00:00:00.000Z'];
    const stamps = times.map((t) => backupStamp(new Date(t)));
    expect([...stamps].reverse().sort()).toEqual(stamps);
  });
});

describe('parseSha256', () => {
  it('takes the first field of sha256sum output', () => {
    expect(parseSha256(`${SHA}  /usr/bin/ollama\n`)).toBe(SHA);
  });

  it('finds the hash on a later line', () => {
    expect(parseSha256(`some noise\n${SHA}  /usr/bin/ollama\n`)).toBe(SHA);
  });

  it('returns null for an error, an empty output or a short hash', () => {
    expect(parseSha256("sha256sum: can't open '/usr/bin/ollama': No such file or directory\n")).toBeNull();
    expect(parseSha256('')).toBeNull();
    expect(parseSha256(`${SHA.slice(0, 63)}  /usr/bin/ollama`)).toBeNull();
    expect(parseSha256(`${SHA}0  /usr/bin/ollama`)).toBeNull();
  });
});

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('parseBackupName', () => {
  it('reads the sha256 a backup name records, and the original mark', () => {
    expect(parseBackupName(`/tmp/ollama.backup_20261126_004512_123_${A}`)).toEqual({ sha256: A, original: false });
    expect(parseBackupName(`/tmp/ollama.backup_20261126_004512_123_${A}.original`)).toEqual({ sha256: A, original: true });
  });

  it('knows no partial, no older unhashed name, no short hash', () => {
    expect(parseBackupName('/tmp/.ollama.backup-partial')).toBeNull();
    expect(parseBackupName('/tmp/ollama.backup_20261126_004512_123')).toBeNull();
    expect(parseBackupName(`/tmp/ollama.backup_20261126_004512_123_${A.slice(1)}`)).toBeNull();
    expect(parseBackupName(`/tmp/ollama.backup_20261126_004512_123_${A}.original~`)).toBeNull(); // an editor's copy
  });
});

describe('parseBackupList', () => {
  it('reads size, mtime and path, oldest first', () => {
    const stdout = [
      `2048 1764118000 /tmp/ollama.backup_20261126_004512_123_${B}`,
      `1024 1764117000 /tmp/ollama.backup_20261125_230000_000_${A}.original`,
      '',
    ].join('\n');
    expect(parseBackupList(stdout)).toEqual([
      { size: 1024, modified: new Date(1764117000 * 1000).toISOString(), path: `/tmp/ollama.backup_20261125_230000_000_${A}.original`, sha256: A, original: true },
      { size: 2048, modified: new Date(1764118000 * 1000).toISOString(), path: `/tmp/ollama.backup_20261126_004512_123_${B}`, sha256: B, original: false },
    ]);
  });

  it('skips lines that are not stat output of a backup name', () => {
    const stdout = `stat: can't stat '/tmp/ollama.backup_*'\n10 1764117000 /tmp/ollama.backup_20261125_230000_000_${A}\n10 1764117000 /tmp/x\n`;
    expect(parseBackupList(stdout).map((b) => b.sha256)).toEqual([A]);
  });

  it('returns nothing for empty output', () => {
    expect(parseBackupList('')).toEqual([]);
  });
});

describe('backupsToPrune', () => {
  const backups: Backup[] = ['1', '2', '3', '4', '5'].map((n) => ({
    path: `/tmp/ollama.backup_2026112${n}_000000_000_${A}`, size: 1, modified: '', sha256: A, original: n === '1',
  }));
  const names = (list: Backup[]) => list.map((b) => b.path.slice(19, 27));

  it('prunes the oldest so that the newest N remain besides the original', () => {
    expect(names(backupsToPrune(backups, 2))).toEqual(['20261122', '20261123']);
  });

  it('prunes nothing when there are no more than N', () => {
    expect(backupsToPrune(backups, 4)).toEqual([]);
    expect(backupsToPrune(backups, 10)).toEqual([]);
  });

  it('prunes every backup but the original when N is 0', () => {
    expect(backupsToPrune(backups, 0)).toEqual(backups.slice(1));
  });
});

describe('execFailure', () => {
  it('says the image has no shell for exit 126 and no tool for exit 127', () => {
    expect(execFailure('installing', 'c', { exitCode: 126, stderr: '' }).hint).toMatch(/the image has no sh/);
    expect(execFailure('installing', 'c', { exitCode: 127, stderr: 'sh: mv: not found' }).hint).toMatch(/no sh, sha256sum or mv/);
    expect(execFailure('installing', 'c', { exitCode: 1, stderr: 'x' }).hint).toBeUndefined();
  });

  it('names the action and the container, then what the shell said, or its exit code when it said nothing', () => {
    expect(execFailure('installing', 'ollama-gpu', { exitCode: 127, stderr: 'sh: mv: not found\n' }).message).toBe('installing in ollama-gpu: sh: mv: not found');
    expect(execFailure('restoring', 'ollama-gpu', { exitCode: 1, stderr: ' \n' }).message).toBe('restoring in ollama-gpu: exit 1');
  });
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const sh = (script: string, args: string[], input = '') => spawnSync('busybox', ['sh', '-c', script, 'sh', ...args], { input, encoding: 'utf8' });
const listDir = (dir: string, prefix = 'backup_') => fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).sort();

describe('INSTALL in a real busybox shell', () => {
  const run = (input: string, cwd: string) =>
    spawnSync('busybox', ['sh', '-c', INSTALL_ON_GO], { input, cwd, encoding: 'utf8' });
  const setUp = (old = 'old\n') => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-install-'));
    fs.writeFileSync(path.join(dir, 'bin'), old);
    fs.writeFileSync(path.join(dir, '.bin.new'), 'new\n');
    return dir;
  };
  /** The seven arguments, as the swap passes them: backups are `<dir>/backup_<stamp>_<sha256>`. */
  const argv = (dir: string, { stamp = '1', expect = sha('new\n'), keep = '', temp = `${dir}/.backup-partial` } = {}) =>
    [`${dir}/bin`, `${dir}/backup_${stamp}`, `${dir}/.bin.new`, expect, `${dir}/backup_`, keep, temp];
  /** What is sent as the upload starts: the arguments but the expected sha256 ($4), which follows the upload. */
  const argsOnly = (dir: string, options: Parameters<typeof argv>[1] = {}) => installInput(argv(dir, options));
  /** The arguments, then the go-ahead once the upload is there (no $9). */
  const args = (dir: string, options: Parameters<typeof argv>[1] = {}) => argsOnly(dir, options) + installGo(argv(dir, options), '');

  it('checks the upload, backs up (the first backup is the original), renames, and says what it installed', () => {
    const dir = setUp();
    const r = run(args(dir), dir);
    expect(r.status, r.stderr).toBe(0);
    const backup = `${dir}/backup_1_${sha('old\n')}.original`;
    expect(parseInstallOutput(r.stdout)).toEqual({ backup, installed: sha('new\n'), mismatch: null, backupNeeds: NaN, followed: false });
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('new\n');
    expect(fs.readFileSync(backup, 'utf8')).toBe('old\n');
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(backup), 'bin']);
  });

  it('is sent the expected sha256 only with the go-ahead, after the upload: the host hashes beside it', () => {
    const dir = setUp();
    expect(argsOnly(dir)).not.toContain(sha('new\n'));
    expect(installGo(argv(dir), '')).toBe(`${sha('new\n')}\n\ninstall\n`);
  });

  it('says it succeeded by its last line, checked or not; a refusal or a staged INSTALL does not', () => {
    const checked = run(args(setUp()), '/');
    const unchecked = run(args(setUp(), { expect: '' }), '/');
    const refused = run(args(setUp(), { expect: sha('other\n') }), '/');
    expect([checked.status, unchecked.status, refused.status]).toEqual([0, 0, 3]);
    expect([installDone(checked.stdout), installDone(unchecked.stdout), installDone(refused.stdout)]).toEqual([true, true, false]);
    expect(unchecked.stdout).toMatch(/^installed \n/m);
    expect(installDone('staged\n')).toBe(false);
    expect(installDone(`staged\ninstalled ${A.slice(0, 20)}`)).toBe(false); // the line is not whole yet
  });

  /** INSTALL's $9 as src/swap/follow.ts passes it: hotswap-hasher's word for the upload's inode and size. */
  const followArg = (dir: string, { hash = sha('new\n'), inode = fs.statSync(`${dir}/.bin.new`).ino, size = 4 } = {}) =>
    `follow ${hash} ${inode} ${size}`;
  const withFollow = (dir: string, follow: string) => argsOnly(dir) + installGo(argv(dir), follow);

  it('takes hotswap-hasher\'s hash of the upload for that inode and size, without hashing it again', () => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, '.bin.new'), 'nex\n'); // same size: only a second read would see it
    const r = run(withFollow(dir, followArg(dir)), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout)).toEqual(expect.objectContaining({ followed: true, installed: sha('new\n') }));
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('nex\n');
  });

  it.each([
    ['another inode (the file was replaced after it was hashed)', { inode: 1 }],
    ['another size', { size: 5 }],
    ['another hash than expected', { hash: sha('other\n') }],
  ])('hashes the upload itself when hotswap-hasher\'s word is for %s', (_what, change) => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, '.bin.new'), 'nex\n');
    const r = run(withFollow(dir, followArg(dir, change)), dir);
    expect(r.status).toBe(3);
    expect(parseInstallOutput(r.stdout)).toEqual(expect.objectContaining({ followed: false, mismatch: sha('nex\n') }));
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
  });

  it('names later backups without the original mark', () => {
    const dir = setUp();
    expect(run(args(dir), dir).status).toBe(0);
    fs.writeFileSync(path.join(dir, '.bin.new'), 'newer\n');
    const r = run(args(dir, { stamp: '2', expect: sha('newer\n') }), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout).backup).toBe(`${dir}/backup_2_${sha('new\n')}`);
  });

  it('makes no new backup when one already holds the live bytes: that one takes this swap\'s time, so rollback finds it newest', () => {
    const dir = setUp();
    fs.writeFileSync(`${dir}/backup_0_${sha('old\n')}`, 'old\n');
    fs.writeFileSync(`${dir}/backup_05_${sha('older\n')}`, 'older\n');
    const r = run(args(dir, { keep: '2' }), dir);
    expect(r.status, r.stderr).toBe(0);
    const kept = `${dir}/backup_1_${sha('old\n')}`;
    expect(parseInstallOutput(r.stdout).backup).toBe(kept);
    expect(listDir(dir)).toEqual([`backup_05_${sha('older\n')}`, path.basename(kept)]);
    expect(fs.readFileSync(kept, 'utf8')).toBe('old\n');
  });

  it('keeps the original mark on a kept backup it renames', () => {
    const dir = setUp();
    fs.writeFileSync(`${dir}/backup_0_${sha('old\n')}.original`, 'old\n');
    const r = run(args(dir), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout).backup).toBe(`${dir}/backup_1_${sha('old\n')}.original`);
    expect(listDir(dir)).toEqual([`backup_1_${sha('old\n')}.original`]);
  });

  it('refuses an upload with the wrong hash and removes it, leaving the binary alone', () => {
    const dir = setUp();
    const r = run(args(dir, { expect: sha('other\n') }), dir);
    expect(r.status).toBe(3);
    expect(parseInstallOutput(r.stdout).mismatch).toBe(sha('new\n'));
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
    expect(fs.readdirSync(dir)).toEqual(['bin']);
  });

  it('stops before touching the binary when the backup cannot be written, and leaves the upload to the host (the engine may still write it)', () => {
    const dir = setUp();
    const r = run(args(dir, { temp: `${dir}/missing-dir/.backup-partial` }), dir);
    expect(r.status).toBe(BACKUP_FAILED);
    expect(parseInstallOutput(r.stdout).backupNeeds).toBe(4);
    expect(fs.readdirSync(dir).sort()).toEqual(['.bin.new', 'bin']);
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
  });

  it('removes the oldest backups beyond the number to keep, never the original', () => {
    const dir = setUp();
    const names = [`backup_0_${A}.original`, `backup_1_${A}`, `backup_2_${B}`, `backup_3_${B}`];
    for (const name of names) fs.writeFileSync(path.join(dir, name), 'x');
    const r = run(args(dir, { stamp: '4', keep: '2' }), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(listDir(dir)).toEqual([names[0], names[3], `backup_4_${sha('old\n')}`]);
  });

  it('names the backup by the hash taken while waiting, and hashes again a binary replaced meanwhile', async () => {
    const dir = setUp();
    const started = spawn('busybox', ['sh', '-c', INSTALL_ON_GO, 'sh', `${dir}/bin`], { cwd: dir });
    const output: Buffer[] = [];
    started.stdout.on('data', (c: Buffer) => output.push(c));
    fs.writeFileSync(path.join(dir, 'bin.next'), 'replaced\n');
    fs.renameSync(path.join(dir, 'bin.next'), path.join(dir, 'bin')); // another inode, whenever the early hash ran
    started.stdin.end(args(dir));
    const code = await new Promise((resolve) => started.on('close', resolve));
    expect(code).toBe(0);
    expect(parseInstallOutput(Buffer.concat(output).toString()).backup).toBe(`${dir}/backup_1_${sha('replaced\n')}.original`);

    fs.writeFileSync(path.join(dir, '.bin.new'), 'newer\n');
    const r = spawnSync('busybox', ['sh', '-c', INSTALL_ON_GO, 'sh', `${dir}/bin`], { input: args(dir, { stamp: '2', expect: sha('newer\n') }), cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout).backup).toBe(`${dir}/backup_2_${sha('new\n')}`);
  });

  /** INSTALL_ON_GO started on `<dir>/bin`, given its arguments: resolves once it says `staged`. */
  const staged = async (dir: string, input: string) => {
    const started = spawn('busybox', ['sh', '-c', INSTALL_ON_GO, 'sh', `${dir}/bin`], { cwd: dir });
    let stdout = '';
    const exit = new Promise<number | null>((resolve) => started.on('close', resolve));
    const said = new Promise<void>((resolve) => started.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('\nstaged\n')) resolve();
    }));
    started.stdin.write(input);
    await Promise.race([said, exit]);
    return { stdin: started.stdin, exit, stdout: () => stdout };
  };

  it('readies the backup and prunes on its arguments alone, before the upload is there; checks and installs on `install`', async () => {
    const dir = setUp();
    fs.rmSync(path.join(dir, '.bin.new')); // the upload is still on its way
    fs.writeFileSync(`${dir}/backup_0_${A}`, 'x');
    const install = await staged(dir, argsOnly(dir, { keep: '1' }));
    expect(fs.statSync(`${dir}/.backup-partial`).ino).toBe(fs.statSync(`${dir}/bin`).ino);
    expect(listDir(dir)).toEqual([]); // pruned: one to keep, which this swap's backup will be
    expect(fs.readFileSync(`${dir}/bin`, 'utf8')).toBe('old\n');
    fs.writeFileSync(path.join(dir, '.bin.new'), 'new\n');
    install.stdin.end(installGo(argv(dir, { keep: '1' }), ''));
    expect(await install.exit).toBe(0);
    const backup = `${dir}/backup_1_${sha('old\n')}`;
    expect(parseInstallOutput(install.stdout())).toEqual({ backup, installed: sha('new\n'), mismatch: null, backupNeeds: NaN, followed: false });
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(backup), 'bin']);
    expect(fs.readFileSync(`${dir}/bin`, 'utf8')).toBe('new\n');
  });

  it('exits 125 when stdin closes after the arguments, leaving neither the readied backup nor the upload, and the binary alone', async () => {
    const dir = setUp();
    const install = await staged(dir, argsOnly(dir));
    expect(fs.existsSync(`${dir}/.backup-partial`)).toBe(true);
    install.stdin.end();
    expect(await install.exit).toBe(CANCELLED);
    expect(fs.readdirSync(dir)).toEqual(['bin']);
    expect(fs.readFileSync(`${dir}/bin`, 'utf8')).toBe('old\n');
  });

  it('refuses a wrong upload after staging: no backup is made, the readied one is removed', async () => {
    const dir = setUp();
    const install = await staged(dir, argsOnly(dir));
    install.stdin.end(installGo(argv(dir, { expect: sha('other\n') }), ''));
    expect(await install.exit).toBe(3);
    expect(parseInstallOutput(install.stdout()).mismatch).toBe(sha('new\n'));
    expect(fs.readdirSync(dir)).toEqual(['bin']);
    expect(fs.readFileSync(`${dir}/bin`, 'utf8')).toBe('old\n');
  });

  it('does nothing and exits 125 when stdin closes without `go` (a cancelled or orphaned exec)', () => {
    const dir = setUp();
    expect(run('', dir).status).toBe(CANCELLED);
    expect(run('no\n', dir).status).toBe(CANCELLED);
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(dir, '.bin.new'))).toBe(true);
  });

  /** INSTALL's halves line for `content`, split at `split`. */
  const halvesOf = (content: string, split = content.length >> 1) =>
    `${content.length} ${split} ${sha(content.slice(0, split))} ${sha(content.slice(split))}`;
  const withHalves = (dir: string, halves: string, expect = sha('new\n')) =>
    argsOnly(dir, { expect }) + installGo(argv(dir, { expect }), halves);

  /** A PATH holding the tools INSTALL uses but openssl: an image with busybox or coreutils alone. */
  const noOpenssl = (() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-no-openssl-'));
    for (const tool of ['busybox', 'sh', 'sha256sum', 'stat', 'head', 'tail', 'ln', 'cp', 'mv', 'chmod', 'rm', 'cat']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) fs.symlinkSync(found, path.join(dir, tool));
    }
    return dir;
  })();

  it('hashes the upload whole, never in halves, when the image has openssl (faster than two busybox pipes)', () => {
    expect(spawnSync('sh', ['-c', 'command -v openssl']).status, 'openssl on PATH (scripts/env.sh installs it)').toBe(0);
    const dir = setUp();
    // Right halves beside a wrong whole hash: only a whole check refuses it.
    const r = spawnSync('busybox', ['sh', '-c', INSTALL_ON_GO], { input: withHalves(dir, halvesOf('new\n'), A), cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(parseInstallOutput(r.stdout).mismatch).toBe(sha('new\n'));
  });

  it('says first, before its input, whether the image hashes with openssl (the host skips the halves then)', () => {
    const dir = setUp();
    const first = (env: NodeJS.ProcessEnv) => spawnSync('busybox', ['sh', '-c', INSTALL_ON_GO], { input: '', cwd: dir, encoding: 'utf8', env }).stdout.split('\n')[0];
    expect(first(process.env)).toBe(HASHER_LINE);
    expect(first({ ...process.env, PATH: noOpenssl })).toBe('hasher sha256sum');
  });

  // sh is busybox's here; the image's may be dash with coreutils (Ubuntu's, like ollama's)
  for (const shell of [['busybox', 'sh'], ['sh']]) {
    const runIn = (input: string, cwd: string) => spawnSync(shell[0]!, [...shell.slice(1), '-c', INSTALL_ON_GO],
      { input, cwd, encoding: 'utf8', env: { ...process.env, PATH: noOpenssl } });

    it(`trusts both halves of the upload checked at once, without hashing it whole (${shell.join(' ')})`, () => {
      const dir = setUp();
      // A wrong whole hash beside right halves: only a halves check reports it as installed.
      const r = runIn(withHalves(dir, halvesOf('new\n'), A), dir);
      expect(r.status, r.stderr).toBe(0);
      expect(parseInstallOutput(r.stdout).installed).toBe(A);
      expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('new\n');
    });

    it(`hashes the upload whole when its size is not the halves' (a repeating pattern cut short matches both) (${shell.join(' ')})`, () => {
      const dir = setUp();
      fs.writeFileSync(path.join(dir, '.bin.new'), 'ababab');
      const r = runIn(withHalves(dir, halvesOf('abababab'), sha('abababab')), dir);
      expect(r.status).toBe(3);
      expect(parseInstallOutput(r.stdout).mismatch).toBe(sha('ababab'));
      expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
      expect(fs.readdirSync(dir)).toEqual(['bin']);
    });

    it(`falls back to the whole hash when a half does not match, and installs what matches it (${shell.join(' ')})`, () => {
      const dir = setUp();
      const r = runIn(withHalves(dir, `4 2 ${A} ${B}`), dir);
      expect(r.status, r.stderr).toBe(0);
      expect(parseInstallOutput(r.stdout).installed).toBe(sha('new\n'));
    });
  }

  const OPENSSL = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim();

  /** A directory of stand-in tools put first on PATH: `name` → its sh body. */
  const tools = (scripts: Record<string, string>) => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-tools-'));
    for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return { bin, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
  };

  it('hashes the binary while it waits for `go`, uses that hash if the binary is unchanged, and hashes again one replaced meanwhile', async () => {
    // The image's hashers (found on PATH: openssl first, sha256sum without it), logging each file once hashed.
    const { bin, env } = tools({
      sha256sum: 'busybox sha256sum "$@"; s=$?; echo "$1" >> "${0%/*}/hashed"; exit $s',
      ...(OPENSSL ? { openssl: `for a; do last=$a; done; ${OPENSSL} "$@"; s=$?; echo "$last" >> "\${0%/*}/hashed"; exit $s` } : {}),
    });
    const hashed = () => (fs.existsSync(`${bin}/hashed`) ? fs.readFileSync(`${bin}/hashed`, 'utf8').split('\n').filter(Boolean) : []);
    const startAndWait = async (dir: string) => {
      const started = spawn('busybox', ['sh', '-c', INSTALL_ON_GO, 'sh', `${dir}/bin`], { cwd: dir, env });
      const output: Buffer[] = [];
      started.stdout.on('data', (c: Buffer) => output.push(c));
      await vi.waitFor(() => expect(hashed()).toContain(`${dir}/bin`), { timeout: 10_000, interval: 20 });
      return { started, output };
    };
    const finish = async ({ started, output }: Awaited<ReturnType<typeof startAndWait>>, input: string) => {
      started.stdin.end(input);
      expect(await new Promise((resolve) => started.on('close', resolve))).toBe(0);
      return parseInstallOutput(Buffer.concat(output).toString());
    };

    const unchanged = setUp();
    const first = await startAndWait(unchanged);
    expect((await finish(first, args(unchanged))).backup).toBe(`${unchanged}/backup_1_${sha('old\n')}.original`);
    expect(hashed().filter((f) => f === `${unchanged}/bin`)).toHaveLength(1); // not again on the swap's path

    const replaced = setUp();
    const second = await startAndWait(replaced);
    fs.writeFileSync(path.join(replaced, 'bin.next'), 'replaced\n');
    fs.renameSync(path.join(replaced, 'bin.next'), path.join(replaced, 'bin'));
    expect((await finish(second, args(replaced))).backup).toBe(`${replaced}/backup_1_${sha('replaced\n')}.original`);
  });

  // dash runs cp and ln from PATH (busybox's sh runs its own applets), so they can fail on cue.
  it('backs up by a copy where a hard link fails (another file system), and refuses a copy that came out short', () => {
    const linkFails = 'exit 1';
    const copied = setUp();
    const viaCopy = spawnSync('sh', ['-c', INSTALL_ON_GO], { input: args(copied), cwd: copied, encoding: 'utf8', env: tools({ ln: linkFails }).env });
    expect(viaCopy.status, viaCopy.stderr).toBe(0);
    expect(fs.readFileSync(`${copied}/backup_1_${sha('old\n')}.original`, 'utf8')).toBe('old\n');

    const short = setUp();
    const env = tools({ ln: linkFails, cp: 'head -c 2 "$2" > "$3"' }).env; // cp -p src dst, cut short without an error
    const r = spawnSync('sh', ['-c', INSTALL_ON_GO], { input: args(short), cwd: short, encoding: 'utf8', env });
    expect(r.status).toBe(BACKUP_FAILED);
    expect(parseInstallOutput(r.stdout).backupNeeds).toBe(4);
    expect(fs.readdirSync(short).sort()).toEqual(['.bin.new', 'bin']); // the partial backup removed, the upload left to the host
    expect(fs.readFileSync(path.join(short, 'bin'), 'utf8')).toBe('old\n');
  });

  it('skips the hash when verify is off, and installs where there was no binary yet', () => {
    const dir = setUp();
    fs.rmSync(path.join(dir, 'bin'));
    const r = run(args(dir, { expect: '' }), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout)).toEqual({ backup: null, installed: null, mismatch: null, backupNeeds: NaN, followed: false });
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('new\n');
  });
});

describe('RESTORE and LIST_BACKUPS in a real busybox shell', () => {
  const setUp = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-restore-'));
    fs.writeFileSync(path.join(dir, 'bin'), 'broken\n');
    return dir;
  };

  it('restores a whole backup and prints its hash', () => {
    const dir = setUp();
    const backup = path.join(dir, `backup_1_${sha('old\n')}`);
    fs.writeFileSync(backup, 'old\n');
    const r = sh(RESTORE, [`${dir}/bin`, backup, `${dir}/.tmp`, sha('old\n')]);
    expect(r.status, r.stderr).toBe(0);
    expect(parseSha256(r.stdout)).toBe(sha('old\n'));
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(backup)).toBe(true);
  });

  it('refuses a backup whose bytes differ from its recorded sha256, and leaves the binary and no temp file', () => {
    const dir = setUp();
    const backup = path.join(dir, `backup_1_${sha('old\n')}`);
    fs.writeFileSync(backup, 'ol'); // cut short
    const r = sh(RESTORE, [`${dir}/bin`, backup, `${dir}/.tmp`, sha('old\n')]);
    expect(r.status).toBe(BACKUP_FAILED);
    expect(r.stdout).toContain(`corrupt ${sha('ol')}`);
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('broken\n');
    expect(fs.existsSync(`${dir}/.tmp`)).toBe(false);
  });

  it('lists only whole backups, removing one cut short and ignoring other names', () => {
    const dir = setUp();
    const whole = `ollama.backup_20261126_004512_123_${sha('old\n')}.original`;
    fs.writeFileSync(path.join(dir, whole), 'old\n');
    fs.writeFileSync(path.join(dir, `ollama.backup_20261126_004513_000_${sha('new\n')}`), 'ne');
    fs.writeFileSync(path.join(dir, 'ollama.backup_20261126_004514_000'), 'unhashed');
    const r = sh(LIST_BACKUPS, [`${dir}/ollama.backup_`]);
    expect(r.status, r.stderr).toBe(0);
    expect(parseBackupList(r.stdout).map((b) => [path.basename(b.path), b.size, b.original])).toEqual([[whole, 4, true]]);
    expect(listDir(dir, 'ollama.')).toEqual([whole, 'ollama.backup_20261126_004514_000']);
  });

  it('hashes with the image\'s sha256sum', () => {
    const dir = setUp();
    expect(parseSha256(sh(HASH_FILE, [`${dir}/bin`]).stdout)).toBe(sha('broken\n'));
  });
});

describe('BINARY_PATH_CHECK in a real busybox shell', () => {
  it('says directory when the path is one, no-directory when its directory is missing, and nothing for a fine path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-path-'));
    fs.mkdirSync(path.join(dir, 'ollama'));
    expect(sh(BINARY_PATH_CHECK, [dir, `${dir}/ollama`]).stdout).toBe('directory\n');
    expect(sh(BINARY_PATH_CHECK, [`${dir}/missing`, `${dir}/missing/ollama`]).stdout).toBe('no-directory\n');
    expect(sh(BINARY_PATH_CHECK, [dir, `${dir}/ollama-new`])).toMatchObject({ status: 0, stdout: '' });
  });
});

describe('parseInstallOutput', () => {
  it('takes only whole lines of its own, not a line that quotes one', () => {
    const quoted = `sh: kept /tmp/x\nwarning: installed ${A}\nsh: mismatch ${A}\nsh: backupfail 12\n`;
    expect(parseInstallOutput(`${quoted}sh: followed\n`)).toEqual({ backup: null, installed: null, mismatch: null, backupNeeds: NaN, followed: false });
    const extended = `installed ${A}.partial\nmismatch ${A} (cut)\nbackupfail 12 bytes\n`;
    expect(parseInstallOutput(extended)).toEqual({ backup: null, installed: null, mismatch: null, backupNeeds: NaN, followed: false });
  });
});
