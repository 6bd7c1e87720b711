import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtFile } from '../../src/builders/hash.js';

const MiB = 2 ** 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-hash-'));
const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');

describe('builtFile', () => {
  it.each([0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 517])('sizes and hashes a file of %i bytes as one read of it would', async (size) => {
    const content = randomBytes(size);
    const file = path.join(dir, `f${size}`);
    fs.writeFileSync(file, content);
    const built = await builtFile(file);
    expect(built.size).toBe(size);
    expect(await built.sha256).toBe(sha(content));
  });

  it('hashes the bytes it opened, whatever the path names by the time the hash is read (a kept prebuild is renamed)', async () => {
    const content = randomBytes(2 * MiB + 3);
    const file = path.join(dir, 'renamed');
    fs.writeFileSync(file, content);
    const built = await builtFile(file);
    fs.renameSync(file, `${file}.kept`);
    fs.writeFileSync(file, 'another build');
    expect(await built.sha256).toBe(sha(content));
  });

  it('rejects a missing file', async () => {
    await expect(builtFile(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
