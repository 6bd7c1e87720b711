// The Watcher stage on a real file system with real chokidar: what an edit reports, and what it must not.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HotswapError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { startWatcher, type Watcher } from '../../src/watch/watcher.js';

/** Paths reported so far, and a way to wait for one. */
function recorder() {
  const seen: string[] = [];
  const errors: HotswapError[] = [];
  let wake = () => {};
  return {
    seen,
    errors,
    onChange: (paths: string[]) => { seen.push(...paths); wake(); },
    onError: (error: HotswapError) => { errors.push(error); },
    /** Waits for `rel`, or for it or any path below it when `under` is set. */
    async waitFor(rel: string, timeoutMs = 5000, under = false): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!seen.some((p) => p === rel || (under && p.startsWith(`${rel}/`)))) {
        if (Date.now() > deadline) throw new Error(`no event for ${rel} within ${timeoutMs} ms; saw ${JSON.stringify(seen)}`);
        await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50); });
      }
    },
    clear: () => { seen.length = 0; },
  };
}

let repo: string;
let watcher: Watcher | undefined;
let events: ReturnType<typeof recorder>;

const file = (rel: string) => path.join(repo, rel);
function write(rel: string, content: string): void {
  fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
  fs.writeFileSync(file(rel), content);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes a tracked file and waits for it: every event caused before it has arrived by then. */
async function sentinel(n: number): Promise<void> {
  write('sentinel.go', `package main // ${n}\n`);
  await events.waitFor('sentinel.go');
  await sleep(200); // chokidar stats in parallel: give stragglers a moment to surface
}

/** Edits `rel` every 100 ms until an event for it arrives: the watch works again, however long that took. */
async function editUntilReported(rel: string, timeoutMs = 5000): Promise<void> {
  events.clear();
  const deadline = Date.now() + timeoutMs;
  for (let n = 0; !events.seen.includes(rel); n++) {
    if (Date.now() > deadline) throw new Error(`edits of ${rel} went unreported for ${timeoutMs} ms`);
    write(rel, `package x // edit ${n}\n`);
    await sleep(100);
  }
}

async function start(poll = false): Promise<void> {
  watcher = await startWatcher({
    repo, paths: [repo], ignore: ['docs/**'], poll, log: createLogger(null, 'silent'),
    onChange: events.onChange, onError: events.onError,
  });
}

beforeEach(() => {
  repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-watch-')));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  write('.gitignore', '*.log\nbuild/\n');
  write('main.go', 'package main\n');
  write('server/routes.go', 'package server\n');
  events = recorder();
});

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('startWatcher', () => {
  it('reports an edit as a repo-relative path, and nothing before it', async () => {
    await start();
    write('server/routes.go', 'package server // edited\n');
    await events.waitFor('server/routes.go');
    // Events come in order: one reported before the edit's would be first here.
    expect(events.seen[0]).toBe('server/routes.go');
    expect(new Set(events.seen)).toEqual(new Set(['server/routes.go']));
    expect(events.errors).toEqual([]);
  });

  it('reports added and removed files and directories', async () => {
    await start();
    write('api/types.go', 'package api\n');
    await events.waitFor('api/types.go');
    await events.waitFor('api');
    fs.rmSync(file('main.go'));
    await events.waitFor('main.go');
  });

  it('drops git-ignored files, watch.ignore globs and .git', async () => {
    await start();
    write('debug.log', 'x');
    write('build/out/ollama', 'binary');
    write('docs/guide.go', 'package docs\n');
    execFileSync('git', ['add', '-A'], { cwd: repo });
    await sentinel(1);
    expect(events.seen).toEqual(['sentinel.go']);
  });

  it("ignores vim's 4913 probe, swap file and backup dance and reports only the saved file", async () => {
    await start();
    // What vim does on :w with 'backupcopy' auto: probe, swap file, rename to backup, write, drop the backup.
    write('server/.routes.go.swp', 'swap');
    write('server/4913', '');
    fs.rmSync(file('server/4913'));
    fs.renameSync(file('server/routes.go'), file('server/routes.go~'));
    write('server/routes.go', 'package server // saved by vim\n');
    fs.rmSync(file('server/routes.go~'));
    fs.rmSync(file('server/.routes.go.swp'));
    await sentinel(1);
    expect(new Set(events.seen)).toEqual(new Set(['server/routes.go', 'sentinel.go']));
  });

  it('keeps reporting edits in a directory removed, then recreated later', async () => {
    await start();
    fs.rmSync(file('server'), { recursive: true });
    await events.waitFor('server');
    write('server/routes.go', 'package server // back\n');
    await events.waitFor('server/routes.go');
    await editUntilReported('server/routes.go');
    await editUntilReported('server/new/deep.go');
  });

  it('keeps reporting edits in a directory removed and recreated at once (rm -rf && mkdir)', async () => {
    write('server/api/types.go', 'package api\n');
    await start();
    fs.rmSync(file('server'), { recursive: true });
    write('server/routes.go', 'package server // replaced\n');
    write('server/api/types.go', 'package api // replaced\n');
    await events.waitFor('server'); // the replacement itself is news, even if no file event survives it
    await editUntilReported('server/routes.go');
    await editUntilReported('server/api/types.go');
    await editUntilReported('server/api/new.go');
  });

  it.each([['inotify', false], ['polling', true]])('keeps reporting edits after a git branch switch there and back (%s)', async (_, poll) => {
    execFileSync('git', ['add', '-A'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'one'], { cwd: repo });
    execFileSync('git', ['checkout', '-qb', 'no-server'], { cwd: repo });
    execFileSync('git', ['rm', '-rq', 'server'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'two'], { cwd: repo });
    execFileSync('git', ['checkout', '-q', '-'], { cwd: repo });
    await start(poll);
    execFileSync('git', ['checkout', '-q', 'no-server'], { cwd: repo });
    execFileSync('git', ['checkout', '-q', '-'], { cwd: repo });
    await events.waitFor('server', 5000, true); // the switch itself is news
    await editUntilReported('server/routes.go');
  });

  it('applies a .gitignore added while watching, also to a directory already watched', async () => {
    write('gen/old.go', 'package gen\n');
    await start();
    write('gen/.gitignore', '*.pb.go\n');
    await events.waitFor('gen/.gitignore');
    write('.gitignore', '*.log\nbuild/\ntmp/\n');
    await events.waitFor('.gitignore');
    write('gen/api.pb.go', 'package gen\n');
    write('tmp/scratch.go', 'package tmp\n');
    write('gen/old.go', 'package gen // still tracked\n');
    await sentinel(1);
    expect(new Set(events.seen)).toEqual(new Set(['gen/.gitignore', '.gitignore', 'gen/old.go', 'sentinel.go']));
  });

  it('reports edits when polling', async () => {
    await start(true);
    write('server/routes.go', 'package server // polled\n');
    await events.waitFor('server/routes.go', 3000);
    write('debug.log', 'x');
    await sentinel(1);
    expect(events.seen).not.toContain('debug.log');
  });
});
