/** The git snapshot with real git: what goes into the tree, and what it never touches. */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRepo, type GitRepo } from '../../src/git/repo.js';
import { runCli } from '../support/cli.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let repo: FixtureRepo;
let git: GitRepo;

beforeEach(async () => { repo = await makeFixtureRepo(); });
afterEach(async () => { await git?.close(); await repo.remove(); });

// The snapshot's objects live in hotswap's private object directory: read its trees through the adapter.
const treeFiles = async (tree: string) => (await git.listTree(tree)).map((e) => e.path);

describe('the work-tree snapshot', () => {
  it('never contains .hotswap, whether or not .gitignore names it', async () => {
    repo.write('.hotswap/state.json', '{}');
    git = await openRepo(repo.dir);
    expect((await treeFiles(await git.snapshot())).filter((f) => f.startsWith('.hotswap'))).toEqual([]);
    await git.close();
    repo.write('.gitignore', '.hotswap/\n');
    git = await openRepo(repo.dir);
    const files = await treeFiles(await git.snapshot());
    expect(files).toContain('.gitignore');
    expect(files.filter((f) => f.startsWith('.hotswap'))).toEqual([]);
  });

  it('gives the same tree for the same content: a save without change and an edit undone', async () => {
    git = await openRepo(repo.dir);
    const first = await git.snapshot();
    repo.write('main.go', repo.read('main.go'));
    expect(await git.snapshot()).toBe(first);
    const main = repo.read('main.go');
    repo.write('main.go', `${main}// edit\n`);
    const edited = await git.snapshot();
    expect(edited).not.toBe(first);
    expect(await git.diff(first, edited)).toEqual([{ status: 'M', path: 'main.go' }]);
    repo.write('main.go', main);
    expect(await git.snapshot()).toBe(first);
  });

  it('sees untracked files and honours .gitignore, without touching the index, HEAD or stash', async () => {
    const indexFile = join(repo.dir, '.git', 'index');
    const staged = () => repo.git('ls-files', '--stage');
    const before = { staged: await staged(), head: await repo.git('rev-parse', 'HEAD'), mtime: statSync(indexFile).mtimeMs };
    repo.write('.gitignore', 'secret.txt\n');
    repo.write('secret.txt', 'ignored');
    repo.write('server/new.go', 'package server\n');
    git = await openRepo(repo.dir);
    const files = await treeFiles(await git.snapshot());
    expect(files).toContain('server/new.go');
    expect(files).not.toContain('secret.txt');
    expect(statSync(indexFile).mtimeMs).toBe(before.mtime); // the user's index file was not written
    expect(await staged()).toBe(before.staged);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(before.head);
    expect(await repo.git('stash', 'list')).toBe('');
  });
});

/** Bytes of every file below `dir` (0 when it does not exist). */
function bytesIn(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('snapshot storage', () => {
  const MB = 1024 * 1024;

  it('keeps .git/objects as it was, and prunes its own objects, while a 100 MB untracked file is rewritten', async () => {
    const gitObjects = join(repo.dir, '.git', 'objects');
    const before = bytesIn(gitObjects);
    const plan = async () => {
      writeFileSync(join(repo.dir, 'model.bin'), randomBytes(100 * MB)); // incompressible: each version costs 100 MB
      const result = await runCli(['plan', '--json'], { cwd: repo.dir, timeoutMs: 120_000 });
      expect(result.code, result.stderr).toBe(0);
    };
    const privateObjects = join(repo.dir, '.hotswap', 'objects');
    await plan();
    expect(bytesIn(privateObjects)).toBeGreaterThan(90 * MB); // the snapshot holds the file: it went here
    for (let i = 0; i < 3; i++) await plan();
    expect(bytesIn(gitObjects) - before).toBeLessThan(4 * MB);
    // Past 256 MB the private objects are repacked to what the state names (nothing here): 4 plans leave 1.
    expect(bytesIn(privateObjects)).toBeLessThan(250 * MB);
  }, 240_000);
});
