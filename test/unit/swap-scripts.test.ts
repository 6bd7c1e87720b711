import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupsToPrune, parseBackupList, type Backup } from '../../src/swap/backups.js';
import { backupStamp, CANCELLED, INSTALL_ON_GO, installInput, parseInstallOutput, parseSha256, swapPaths } from '../../src/swap/scripts.js';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AT = new Date('2026-11-26T00:45:12.123Z');

describe('swapPaths', () => {
  it('uploads beside the binary under a hidden temp name, and backs up into /tmp', () => {
    expect(swapPaths('/usr/bin/ollama', AT)).toEqual({
      dir: '/usr/bin',
      base: 'ollama',
      tempName: '.ollama.hotswap-new',
      temp: '/usr/bin/.ollama.hotswap-new',
      backup: '/tmp/ollama.backup_20261126_004512_123',
      backupPrefix: '/tmp/ollama.backup_',
    });
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

describe('parseBackupList', () => {
  it('reads size, mtime and path, oldest first', () => {
    const stdout = [
      '2048 1764118000 /tmp/ollama.backup_20261126_004512_123',
      '1024 1764117000 /tmp/ollama.backup_20261125_230000_000',
      '',
    ].join('\n');
    expect(parseBackupList(stdout)).toEqual([
      { size: 1024, modified: new Date(1764117000 * 1000).toISOString(), path: '/tmp/ollama.backup_20261125_230000_000' },
      { size: 2048, modified: new Date(1764118000 * 1000).toISOString(), path: '/tmp/ollama.backup_20261126_004512_123' },
    ]);
  });

  it('skips lines that are not stat output', () => {
    const stdout = "stat: can't stat '/tmp/ollama.backup_*'\n10 1764117000 /tmp/ollama.backup_20261125_230000_000\n";
    expect(parseBackupList(stdout).map((b) => b.path)).toEqual(['/tmp/ollama.backup_20261125_230000_000']);
  });

  it('returns nothing for empty output', () => {
    expect(parseBackupList('')).toEqual([]);
  });
});

describe('backupsToPrune', () => {
  const backups: Backup[] = ['1', '2', '3', '4', '5'].map((n) => ({
    path: `/tmp/ollama.backup_2026112${n}_000000_000`, size: 1, modified: '',
  }));
  const names = (list: Backup[]) => list.map((b) => b.path.slice(-19, -11));

  it('prunes the oldest so that the newest N remain', () => {
    expect(names(backupsToPrune(backups, 3))).toEqual(['20261121', '20261122']);
  });

  it('prunes nothing when there are no more than N', () => {
    expect(backupsToPrune(backups, 5)).toEqual([]);
    expect(backupsToPrune(backups, 10)).toEqual([]);
  });

  it('prunes every backup when N is 0', () => {
    expect(backupsToPrune(backups, 0)).toEqual(backups);
  });
});

describe('INSTALL in a real busybox shell', () => {
  const run = (input: string, cwd: string) =>
    spawnSync('busybox', ['sh', '-c', INSTALL_ON_GO], { input, cwd, encoding: 'utf8' });
  const setUp = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-install-'));
    fs.writeFileSync(path.join(dir, 'bin'), 'old\n');
    fs.writeFileSync(path.join(dir, '.bin.new'), 'new\n');
    return dir;
  };
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('checks the upload, backs up, renames, and says what it installed', () => {
    const dir = setUp();
    const r = run(installInput([`${dir}/bin`, `${dir}/backup`, `${dir}/.bin.new`, sha('new\n'), `${dir}/backup`, '']), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout)).toEqual({ backedUp: true, installed: sha('new\n'), mismatch: null });
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('new\n');
    expect(fs.readFileSync(path.join(dir, 'backup'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(dir, '.bin.new'))).toBe(false);
  });

  it('refuses an upload with the wrong hash and removes it, leaving the binary alone', () => {
    const dir = setUp();
    const r = run(installInput([`${dir}/bin`, `${dir}/backup`, `${dir}/.bin.new`, sha('other\n'), `${dir}/backup`, '']), dir);
    expect(r.status).toBe(3);
    expect(parseInstallOutput(r.stdout).mismatch).toBe(sha('new\n'));
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(dir, '.bin.new'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'backup'))).toBe(false);
  });

  it('removes the oldest backups beyond the number to keep, after taking its own', () => {
    const dir = setUp();
    for (const stamp of ['1', '2', '3']) fs.writeFileSync(path.join(dir, `backup_${stamp}`), stamp);
    const r = run(installInput([`${dir}/bin`, `${dir}/backup_4`, `${dir}/.bin.new`, '', `${dir}/backup_`, '2']), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('backup_')).sort()).toEqual(['backup_3', 'backup_4']);
    expect(fs.readFileSync(path.join(dir, 'backup_4'), 'utf8')).toBe('old\n');
  });

  it('does nothing and exits 125 when stdin closes without `go` (a cancelled or orphaned exec)', () => {
    const dir = setUp();
    expect(run('', dir).status).toBe(CANCELLED);
    expect(run('no\n', dir).status).toBe(CANCELLED);
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(dir, '.bin.new'))).toBe(true);
  });

  it('skips the hash when verify is off, and installs where there was no binary yet', () => {
    const dir = setUp();
    fs.rmSync(path.join(dir, 'bin'));
    const r = run(installInput([`${dir}/bin`, `${dir}/backup`, `${dir}/.bin.new`, '', `${dir}/backup`, '']), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(parseInstallOutput(r.stdout)).toEqual({ backedUp: false, installed: null, mismatch: null });
    expect(fs.readFileSync(path.join(dir, 'bin'), 'utf8')).toBe('new\n');
  });
});
