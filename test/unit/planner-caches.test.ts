/**
 * The planner's three caches, each against a fake repo (blobs and trees in memory, every read counted):
 * headers by blob id, `go list` answers by inputs key, graphs by tree; and the planner that joins them.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitRepo, TreeEntry } from '../../src/git/repo.js';
import { createGoListCache } from '../../src/plan/go-list-cache.js';
import type { BuildContext } from '../../src/plan/go/context.js';
import { boundedMemo, createGraphCache } from '../../src/plan/graph-cache.js';
import { createHeaderCache } from '../../src/plan/header-cache.js';
import { createPlanner } from '../../src/plan/planner.js';

const CONTEXT: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: false, tags: [], goMinor: 22 };
const TARGET = { main: '.', context: CONTEXT };

/** Trees are path → contents; a blob's id is its contents, so equal files share one blob as in git. */
function fakeRepo(trees: Record<string, Record<string, string>>) {
  const reads: string[][] = [];
  const repo: GitRepo = {
    dir: '/repo', top: '/repo', prefix: '', located: { top: '/repo', gitDirRaw: '.git', commonDir: '.git' },
    snapshot: async () => Object.keys(trees).at(-1)!,
    treeOf: async (rev) => rev,
    async listTree(tree): Promise<TreeEntry[]> {
      return Object.entries(trees[tree]!).map(([path, text]) => ({ path, blob: `blob:${text}` }));
    },
    async diff(from, to) {
      const paths = new Set([...Object.keys(trees[from]!), ...Object.keys(trees[to]!)]);
      return [...paths].filter((p) => trees[from]![p] !== trees[to]![p]).map((path) => ({ status: 'M', path }));
    },
    async readBlobs(ids) {
      reads.push([...ids]);
      return new Map(ids.map((id) => [id, Buffer.from(id.slice('blob:'.length))]));
    },
    close: async () => undefined,
    history: {} as GitRepo['history'], // the planner reads no history
  };
  return { repo, reads };
}

const MAIN_GO = 'package main\n\nimport "example.com/m/server"\n\nfunc main() { server.Run() }\n';
const SERVER_GO = 'package server\n\nfunc Run() {}\n';
const ONE = { 'go.mod': 'module example.com/m\n', 'main.go': MAIN_GO, 'server/server.go': SERVER_GO, 'README.md': 'hi' };
const TREES = {
  one: ONE,
  two: { 'go.mod': 'module example.com/m\n', 'main.go': MAIN_GO, 'server/server.go': `${SERVER_GO}// edit\n`, 'README.md': 'hi' },
  generated: { ...ONE, 'server/gen.bin': 'x' },
  docs: { 'go.mod': 'module example.com/m\n', 'main.go': MAIN_GO, 'server/server.go': SERVER_GO, 'README.md': 'more' },
};

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'hotswap-caches-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('header cache', () => {
  it('parses each blob once, and answers for every blob asked', async () => {
    const { repo, reads } = fakeRepo(TREES);
    const cache = createHeaderCache(repo, null);
    const first = await cache.headers([`blob:${MAIN_GO}`, `blob:${MAIN_GO}`]);
    expect(first.get(`blob:${MAIN_GO}`)).toMatchObject({ packageName: 'main', imports: ['example.com/m/server'] });
    await cache.headers([`blob:${MAIN_GO}`, `blob:${SERVER_GO}`]);
    expect(reads).toEqual([[`blob:${MAIN_GO}`], [`blob:${SERVER_GO}`]]);
    expect(cache.known(`blob:${SERVER_GO}`)?.packageName).toBe('server');
    expect(cache.known('blob:never read')).toBeUndefined();
  });

  it('keeps headers on disk for the next process, which then reads no blob', async () => {
    const file = join(dir, 'go-headers.json');
    const first = fakeRepo(TREES);
    const cache = createHeaderCache(first.repo, file);
    await cache.headers([`blob:${MAIN_GO}`]);
    await cache.save();
    const second = fakeRepo(TREES);
    const header = (await createHeaderCache(second.repo, file).headers([`blob:${MAIN_GO}`])).get(`blob:${MAIN_GO}`);
    expect(header?.packageName).toBe('main');
    expect(second.reads).toEqual([]);
  });

  it('reads #includes and texts once each, in memory only', async () => {
    const { repo, reads } = fakeRepo(TREES);
    const cache = createHeaderCache(repo, join(dir, 'unused.json'));
    const c = 'blob:#include "a.h"\n';
    expect((await cache.includes([c])).get(c)).toEqual(['a.h']);
    expect((await cache.texts(['blob:x'])).get('blob:x')).toBe('x');
    await cache.includes([c]);
    await cache.texts(['blob:x']);
    expect(reads).toEqual([[c], ['blob:x']]);
    await cache.save(); // nothing new among the headers: no file written
    await expect(stat(join(dir, 'unused.json'))).rejects.toThrow();
  });

  it('is only a cache: an unwritable directory costs nothing', async () => {
    const { repo } = fakeRepo(TREES);
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const cache = createHeaderCache(repo, join(dir, 'a-file', 'go-headers.json'));
    await cache.headers([`blob:${MAIN_GO}`]);
    await expect(cache.save()).resolves.toBeUndefined();
  });
});

describe('go list cache', () => {
  const answer = new Map([['main.go', 'in package . (go list)']]);

  it('asks once per inputs key, and again for a new key', async () => {
    const asked: string[] = [];
    const cache = createGoListCache(async (main) => { asked.push(main); return answer; }, null);
    expect(await cache.filesFor('k1', '.', CONTEXT)).toEqual(answer);
    await cache.filesFor('k1', '.', CONTEXT);
    await cache.filesFor('k2', '.', CONTEXT);
    expect(asked).toEqual(['.', '.']);
  });

  it('remembers a failure for its key: warned once, never asked again for that key', async () => {
    const warnings: string[] = [];
    let calls = 0;
    const cache = createGoListCache(async () => { calls++; throw new Error('no go'); }, null, (m) => warnings.push(m));
    expect(await cache.filesFor('k', '.', CONTEXT)).toBeNull();
    expect(await cache.filesFor('k', '.', CONTEXT)).toBeNull();
    expect([calls, warnings]).toEqual([1, ['go list failed, planning from the built-in parser alone: no go']]);
  });

  it('keeps answers on disk for the next process, which then does not ask', async () => {
    const file = join(dir, 'go-list.json');
    const first = createGoListCache(async () => answer, file);
    await first.filesFor('k', '.', CONTEXT);
    await first.save();
    const second = createGoListCache(async () => { throw new Error('asked again'); }, file);
    expect(await second.filesFor('k', '.', CONTEXT)).toEqual(answer);
  });

  it('answers null without a go list, and null answers are not saved', async () => {
    expect(await createGoListCache(null, null).filesFor('k', '.', CONTEXT)).toBeNull();
    let calls = 0;
    const file = join(dir, 'go-list.json');
    const cache = createGoListCache(async () => { calls++; return null; }, file);
    await cache.filesFor('k', '.', CONTEXT);
    await cache.save();
    expect(await createGoListCache(async () => { calls++; return null; }, file).filesFor('k', '.', CONTEXT)).toBeNull();
    expect(calls).toBe(2);
  });
});

describe('graph cache', () => {
  it('builds a tree once per target, reading each blob once across trees', async () => {
    const { repo, reads } = fakeRepo(TREES);
    const graphOf = createGraphCache(repo, createHeaderCache(repo, null));
    const one = await graphOf('one', TARGET);
    expect([...one.graph.files.keys()].sort()).toEqual(['go.mod', 'main.go', 'server/server.go']);
    expect(await graphOf('one', TARGET)).toBe(one);
    const before = reads.flat().length;
    await graphOf('two', TARGET); // only the edited file is new
    expect(reads.flat().slice(before)).toEqual([`blob:${TREES.two['server/server.go']}`]);
  });

  it('keys the inputs by headers and context: a body edit keeps the key, another context changes it', async () => {
    const { repo } = fakeRepo(TREES);
    const graphOf = createGraphCache(repo, createHeaderCache(repo, null));
    const [one, two] = [await graphOf('one', TARGET), await graphOf('two', TARGET)];
    expect(two.inputsKey).toBe(one.inputsKey);
    const arm = await graphOf('one', { main: '.', context: { ...CONTEXT, goarch: 'arm64' } });
    expect(arm.inputsKey).not.toBe(one.inputsKey);
  });

  it('keeps at most max graphs, and forgets a failed one so it is tried again', async () => {
    const memo = boundedMemo<number>(2);
    let made = 0;
    const make = async () => ++made;
    await memo('a', make);
    await memo('b', make);
    await memo('a', make);
    expect(made).toBe(2);
    await memo('c', make); // drops a, the oldest
    await memo('a', make);
    expect(made).toBe(4);
    await expect(memo('bad', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await memo('bad', make)).toBe(5);
  });
});

describe('planner', () => {
  it('joins the caches: a Go edit rebuilds, a docs edit skips, and go list joins only the work tree', async () => {
    const { repo } = fakeRepo(TREES);
    const listed = new Map([['server/gen.bin', 'in package ./server (go list)']]);
    const planner = createPlanner(repo, { imageInputs: [], cacheDir: dir, goList: async () => listed });
    expect((await planner.plan('one', 'two', TARGET)).rebuild).toBe(true);
    expect((await planner.plan('one', 'docs', TARGET)).rebuild).toBe(false);
    expect((await planner.plan(null, 'one', TARGET)).reason).toBe('nothing built yet');
    expect((await planner.plan('one', 'generated', TARGET)).rebuild).toBe(false);
    const workTree = await planner.plan('one', 'generated', TARGET, { workTree: true });
    expect(workTree.files).toEqual([{ path: 'server/gen.bin', class: 'binary', why: 'in package ./server (go list)' }]);
    expect((await planner.inputs('generated', TARGET)).files.has('server/gen.bin')).toBe(false);
  });
});
