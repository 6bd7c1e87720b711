import { describe, expect, it } from 'vitest';
import { backupsToPrune, parseBackupList, type Backup } from '../../src/swap/backups.js';
import { backupStamp, parseSha256, swapPaths } from '../../src/swap/scripts.js';

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
