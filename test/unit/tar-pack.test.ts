import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { packTree } from '../../src/builders/tar-pack.js';

interface Entry { name: string; type: string; mode: number; linkname?: string | null; body: string }

/** Every entry of a tar stream, with its bytes. */
function entries(stream: NodeJS.ReadableStream): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const found: Entry[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, body, next) => {
      let text = '';
      body.on('data', (c: unknown) => (text += String(c)));
      body.on('end', () => {
        found.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, linkname: header.linkname, body: text });
        next();
      });
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('packTree (the one tar packer)', () => {
  it('packs files with their modes, keeps symlinks as links, leaves directories out, and adds the extra entry', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-tar-'));
    fs.mkdirSync(path.join(dir, 'server'));
    fs.writeFileSync(path.join(dir, 'server', 'a.go'), 'package server\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('server/a.go', path.join(dir, 'link.go'));
    const found = await entries(packTree(dir, ['server/a.go', 'run.sh', 'link.go', 'server'], { name: 'Extra', content: 'x' }));
    expect(found.map((e) => [e.name, e.type])).toEqual([['server/a.go', 'file'], ['run.sh', 'file'], ['link.go', 'symlink'], ['Extra', 'file']]);
    expect(found[0]).toMatchObject({ mode: 0o644, body: 'package server\n' });
    expect(found[1]!.mode).toBe(0o755);
    expect(found[2]!.linkname).toBe('server/a.go');
    expect(found[3]!.body).toBe('x');
  });

  it('ends the stream with the error when a file is missing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-tar-'));
    await expect(entries(packTree(dir, ['missing.go']))).rejects.toThrow(/ENOENT/);
  });
});
