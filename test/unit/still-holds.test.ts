/** stillHolds against git's own answer: blob ids from `git hash-object` of real files in a temp dir. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stillHolds } from '../../src/pipeline/still-holds.js';

let dir: string;
const put = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};
const blobOf = (rel: string) => execFileSync('git', ['hash-object', rel], { cwd: dir, encoding: 'utf8' }).trim();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-still-holds-'));
  put('main.go', 'package main\n');
  put('server/message.go', 'package server\n\nconst Message = "hello"\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('stillHolds', () => {
  it('holds when every path has the bytes of its blob, and a path absent from both', async () => {
    const entries = [{ path: 'main.go', blob: blobOf('main.go') }, { path: 'server/message.go', blob: blobOf('server/message.go') }];
    expect(await stillHolds(dir, entries, ['server/message.go', 'main.go', 'gone.go', 'server/gone/x.go'])).toBe(true);
  });

  it('does not hold when a file changed, appeared or went away since', async () => {
    const entries = [{ path: 'main.go', blob: blobOf('main.go') }, { path: 'server/message.go', blob: blobOf('server/message.go') }];
    put('server/message.go', 'package server\n\nconst Message = "hello again"\n');
    expect(await stillHolds(dir, entries, ['server/message.go'])).toBe(false);
    put('new.go', 'package main\n');
    expect(await stillHolds(dir, entries, ['new.go'])).toBe(false);
    fs.rmSync(path.join(dir, 'main.go'));
    expect(await stillHolds(dir, entries, ['main.go'])).toBe(false);
  });

  it('does not hold for a directory: the run snapshots again', async () => {
    expect(await stillHolds(dir, [], ['server'])).toBe(false);
  });
});
