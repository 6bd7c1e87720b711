import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256File } from '../../src/builders/hash.js';

const MiB = 2 ** 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-hash-'));

describe('sha256File', () => {
  it.each([0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 517])('hashes a file of %i bytes as one read of it would', async (size) => {
    const content = randomBytes(size);
    const file = path.join(dir, `f${size}`);
    fs.writeFileSync(file, content);
    expect(await sha256File(file)).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('rejects a missing file', async () => {
    await expect(sha256File(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
