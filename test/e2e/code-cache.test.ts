/**
 * The one-shot CLI's code cache (src/cli/code-cache.ts), through a copy of the built package run for real:
 * kept on a command's first run, reused on its next, rebuilt when V8 rejects it or the program changes, and
 * never a reason for a command to fail. `NODE_DEBUG=hotswap` says what happened to the cache.
 */
import { isAscii } from 'node:buffer';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { REPO_ROOT } from '../support/paths.js';

let work: string;
let repo: FixtureRepo;
/** Go's own cache, which XDG_CACHE_HOME would move: `plan` asks `go list`, and must find it where it was. */
let gocache: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hotswap-code-cache-'));
  repo = await makeFixtureRepo();
  gocache = (await run('go', ['env', 'GOCACHE'])).stdout.trim();
});
afterAll(async () => {
  await repo?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of the package (package.json and dist/), so a test can change its program without touching dist/. */
function copyPackage(name: string): string {
  const dir = join(work, name);
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

/** `hotswap plan --json` from the package in `pkg`, with the user's cache directory at `cacheHome`; what it planned and what the cache did. */
async function plan(pkg: string, cacheHome: string) {
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome, GOCACHE: gocache, NODE_DEBUG: 'hotswap', DOCKER_HOST: 'unix:///nonexistent.sock' };
  const r = await run(process.execPath, [join(pkg, 'dist', 'cli.js'), 'plan', '--json'], { cwd: repo.dir, env });
  const cache = /code cache (reused|rejected|missing): (.*)/.exec(r.stderr);
  return { ...r, cache: cache?.[1], cacheFile: cache?.[2], written: /code cache written: /.test(r.stderr), plan: (JSON.parse(r.stdout) as { plan: unknown }).plan };
}

describe('the code cache', () => {
  it("is kept on a command's first run, in the user's cache directory, and reused on the next", async () => {
    const pkg = copyPackage('first');
    const home = join(work, 'first-cache');
    const first = await plan(pkg, home);
    expect(first.code, first.stderr).toBe(0);
    expect(first).toMatchObject({ cache: 'missing', written: true });
    expect(first.cacheFile).toMatch(new RegExp(`^${home}/hotswap/hotswap\\.cjs-plan-[0-9a-f]{16}\\.v8$`));
    expect(existsSync(first.cacheFile!)).toBe(true);
    const second = await plan(pkg, home);
    expect(second).toMatchObject({ code: 0, cache: 'reused', written: false, cacheFile: first.cacheFile, plan: first.plan });
    expect(readdirSync(join(home, 'hotswap'))).toEqual([first.cacheFile!.split('/').pop()]);
  });

  it('is rebuilt when V8 rejects it (a corrupt file), then reused', async () => {
    const pkg = copyPackage('corrupt');
    const home = join(work, 'corrupt-cache');
    const { cacheFile } = await plan(pkg, home);
    writeFileSync(cacheFile!, 'not a code cache');
    const rejected = await plan(pkg, home);
    expect(rejected).toMatchObject({ code: 0, cache: 'rejected', written: true, cacheFile });
    expect((await plan(pkg, home)).cache).toBe('reused');
  });

  it('is kept anew for a changed program, under another name; a program that is not ASCII is read as UTF-8', async () => {
    const pkg = copyPackage('changed');
    const home = join(work, 'changed-cache');
    const program = join(pkg, 'dist', 'chunks', 'hotswap.cjs');
    expect(isAscii(readFileSync(program))).toBe(true); // as built: read without a decode
    const before = await plan(pkg, home);
    appendFileSync(program, "\nconst built = module.exports;\nmodule.exports = { main: (...a) => { process.stderr.write('✓ ünïcode\\n'); return built.main(...a); } };\n");
    const after = await plan(pkg, home);
    expect(after).toMatchObject({ code: 0, cache: 'missing', written: true, plan: before.plan });
    expect(after.stderr).toContain('✓ ünïcode\n');
    expect(after.cacheFile).not.toBe(before.cacheFile);
    expect((await plan(pkg, home)).cache).toBe('reused');
  });

  it('never fails a command when its directory cannot be made', async () => {
    const pkg = copyPackage('unwritable');
    const notADirectory = join(work, 'a-file');
    writeFileSync(notADirectory, '');
    const r = await plan(pkg, join(notADirectory, 'cache'));
    expect(r).toMatchObject({ code: 0, cache: 'missing', written: false });
    expect(r.stderr).toMatch(/code cache not written: ENOTDIR/);
    expect(r.plan).toEqual((await plan(pkg, join(work, 'unwritable-cache'))).plan);
  });
});
