import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { halvesArg, hashHalves, splitAt } from '../../src/swap/digests.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileOf = (content: Buffer) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-digests-')), 'bin');
  fs.writeFileSync(file, content);
  return file;
};

describe('hashHalves', () => {
  it('splits in the middle, the odd byte going to the rest', () => {
    expect(splitAt(0)).toBe(0);
    expect(splitAt(7)).toBe(3);
    expect(splitAt(8)).toBe(4);
  });

  it('hashes a file read in several chunks whole and in halves, the split falling inside a chunk', async () => {
    const content = Buffer.alloc(3 * 2 ** 20 + 1001);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 251;
    const split = splitAt(content.length);
    expect(await hashHalves(fileOf(content))).toEqual({
      size: content.length, split, whole: sha(content), first: sha(content.subarray(0, split)), rest: sha(content.subarray(split)),
    });
  });

  it('hashes an empty file as two empty halves', async () => {
    const empty = sha(Buffer.alloc(0));
    expect(await hashHalves(fileOf(Buffer.alloc(0)))).toEqual({ size: 0, split: 0, whole: empty, first: empty, rest: empty });
  });

  it('writes the line INSTALL reads', () => {
    expect(halvesArg({ size: 9, split: 4, first: 'a', rest: 'b', whole: 'c' })).toBe('9 4 a b');
  });
});
