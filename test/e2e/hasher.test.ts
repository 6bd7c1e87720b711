/**
 * hotswap-hasher (src/swap/hasher/), built by the real Go for this host's platform, run as a process: it
 * hashes a file while another writes it, and answers only for exactly the bytes it was told to expect.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasherFor, hasherSource } from '../../src/toolchain/hasher-build.js';

const HOST = { os: 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64', variant: null };
let repo: string;
let tool: string;

beforeAll(async () => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-hasher-'));
  tool = (await hasherFor(HOST, repo))!;
}, 120_000);

afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

/** Runs `follow file`; `feed` gets its stdin and the line it printed first. Resolves with exit code and output. */
function follow(file: string, feed: (stdin: NodeJS.WritableStream, firstLine: Promise<string>) => Promise<void>) {
  const child = spawn(tool, ['follow', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.on('close', () => resolve(stdout));
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return feed(child.stdin, firstLine).then(() => done);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** It succeeded and answered for `data` as it is at `file`: its sha256, that file's inode, the size. */
function expectHashed(r: { code: number | null; stdout: string; stderr: string }, file: string, data: Buffer) {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe(`ready\n${sha(data)} ${fs.statSync(file).ino} ${data.length}\n`);
}

describe('hotswap-hasher', () => {
  it('is built once per source version under .hotswap/tools/', async () => {
    expect(path.basename(tool)).toBe(`hotswap-hasher-${hasherSource()!.version}-linux-${HOST.arch}`);
    expect(path.dirname(tool)).toBe(path.join(repo, '.hotswap', 'tools'));
    const built = fs.statSync(tool).mtimeMs;
    expect(await hasherFor(HOST, repo)).toBe(tool);
    expect(fs.statSync(tool).mtimeMs).toBe(built);
  });

  it('removes a leftover, then hashes the file while it is written in pieces', async () => {
    const file = path.join(repo, 'upload');
    fs.writeFileSync(file, 'a leftover of the same size, which must not be hashed');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const r = await follow(file, async (stdin, firstLine) => {
      stdin.write(`follow ${data.length}\n`);
      expect(await firstLine).toBe('ready');
      expect(fs.existsSync(file)).toBe(false);
      const fd = fs.openSync(file, 'w');
      for (let at = 0; at < data.length; at += 512 * 1024) {
        fs.writeSync(fd, data.subarray(at, at + 512 * 1024));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      fs.closeSync(fd);
      stdin.end();
    });
    expectHashed(r, file, data);
  });

  it('receives exactly the size it was told through its stdin, hashing it on the way', async () => {
    const file = path.join(repo, 'received');
    fs.writeFileSync(file, 'a leftover');
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const r = await follow(file, async (stdin, firstLine) => {
      stdin.write(`receive ${data.length}\n`);
      expect(await firstLine).toBe('ready');
      stdin.end(data);
    });
    expectHashed(r, file, data);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o755);
  });

  it.each([
    ['follow', 4, 'has 4 bytes, 5 expected'],
    ['follow', 6, 'is longer than the 5 bytes expected'],
    ['receive', 4, 'stdin ended after 4 bytes, 5 expected'],
    ['receive', 6, 'stdin brought more than the 5 bytes expected'],
  ])('%s: fails when the upload is over with %i bytes of the 5 it was told (a received file is removed)', async (way, length, message) => {
    const file = path.join(repo, `${way}-${length}`);
    const bytes = Buffer.alloc(length, 1);
    const r = await follow(file, async (stdin, firstLine) => {
      stdin.write(`${way} 5\n`);
      await firstLine;
      if (way === 'follow') fs.writeFileSync(file, bytes);
      stdin.end(way === 'receive' ? bytes : Buffer.alloc(0));
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ready\n');
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(file)).toBe(way === 'follow');
  });

  it('does nothing when stdin ends before a size: the swap was cancelled', async () => {
    const file = path.join(repo, 'kept');
    fs.writeFileSync(file, 'not ours to remove yet');
    const r = await follow(file, async (stdin) => void stdin.end());
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.readFileSync(file, 'utf8')).toBe('not ours to remove yet');
  });
});
