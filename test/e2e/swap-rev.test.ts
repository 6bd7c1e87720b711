/**
 * `hotswap swap --rev`: an old commit built from git objects and served, while HEAD, the index and the work
 * tree (with an uncommitted edit) stay as they were; `status` and the next plan know a revision is live.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, startCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, docker, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { userGitState } from '../support/git-state.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-swap-rev';
const BUILDER = 'hs-test-swap-rev-builder';
let repo: FixtureRepo;
let port: number;
let v1: string;
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const version = async () => JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, timeoutMs: 300_000 });

const gitState = () => userGitState(repo);

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { builderImage: BUILDER_IMAGE, builderContainer: BUILDER } } });
  fs.appendFileSync(path.join(repo.dir, '.git', 'info', 'exclude'), 'hotswap.config.json\n');
  v1 = await repo.git('rev-parse', 'HEAD');
  repo.setMessage('hello v2');
  await repo.commit('v2');
  repo.setMessage('hello uncommitted');
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await removeContainer(BUILDER);
  await docker(['volume', 'rm', '-f', `${BUILDER}-gocache`, `${BUILDER}-gomodcache`]);
  await repo.remove();
});

describe('hotswap swap --rev', () => {
  it('serves an old commit, stamped with its tree, while HEAD, the index and the work tree keep their state', async () => {
    const before = await gitState();
    const result = await cli('swap', '--rev', 'HEAD~1', '--builder', 'local', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe('swapped');
    expect(report.revision).toBe(`HEAD~1 (${v1.slice(0, 12)})`);
    expect(await hello()).toBe('hello v1');
    const tree = await repo.git('rev-parse', `${v1}^{tree}`);
    expect(await version()).toBe(`0.0.0-hotswap.${tree.slice(0, 8)}`);
    expect(await gitState()).toEqual(before);
    expect(before.content).toContain('hello uncommitted');
  });

  it('names the live revision in status, and the next plan compares the work tree with it', async () => {
    const status = await cli('status');
    expect(status.stdout).toMatch(new RegExp(`^revision +HEAD~1 \\(${v1.slice(0, 12)}\\)`, 'm'));
    const { plan } = JSON.parse((await cli('plan', '--json')).stdout);
    expect(plan.rebuild).toBe(true);
    expect(plan.base).toBe(await repo.git('rev-parse', `${v1}^{tree}`));
    expect(plan.files).toContainEqual(expect.objectContaining({ path: 'server/message.go', class: 'binary' }));
  });

  it('watch takes the revision as its last build and brings the work tree back at start', async () => {
    const watch = startCli(['watch', '--builder', 'local'], { cwd: repo.dir });
    try {
      await waitForText(`http://127.0.0.1:${port}/api/hello`, (body) => body === 'hello uncommitted', 60_000);
    } finally {
      expect((await watch.stop('SIGTERM')).code, watch.stderr()).toBe(0);
    }
    expect((await cli('status')).stdout).not.toMatch(/^revision/m);
  });

  it('the builder container builds the exported tree, not the work tree', async () => {
    const result = await cli('swap', '--rev', 'main', '--builder', 'container', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).builder.mode).toBe('container');
    expect(await hello()).toBe('hello v2');
    expect(repo.read('server/message.go')).toContain('hello uncommitted');
  }, 300_000); // a cold builder compiles the standard library

  it('rollback after swapping back and forth restores what was live before the last swap, though a backup already held it', async () => {
    for (const rev of ['HEAD~1', 'HEAD', 'HEAD~1', 'HEAD']) {
      const swapped = await cli('swap', '--rev', rev, '--builder', 'local');
      expect(swapped.code, swapped.stderr).toBe(0);
    }
    expect(await hello()).toBe('hello v2');
    const rolledBack = await cli('rollback');
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(await hello()).toBe('hello v1'); // the backup of v1 was kept, not made again: it took the last swap's time
  });

  it('a revision whose objects this clone lacks is exit 3 naming the file, and the container is untouched', async () => {
    // A commit of HEAD's tree plus lost.txt, made through a throw-away index, whose blob is then deleted.
    const git = (args: string[], env: Record<string, string> = {}, input = '') =>
      execFileSync('git', args, { cwd: repo.dir, env: { ...process.env, ...env }, input, encoding: 'utf8' }).trim();
    const blob = git(['hash-object', '-w', '--stdin'], {}, `lost ${Date.now()}\n`);
    const index = { GIT_INDEX_FILE: path.join(repo.dir, '.git', 'lost-index') };
    git(['read-tree', 'HEAD'], index);
    git(['update-index', '--add', '--cacheinfo', `100644,${blob},lost.txt`], index);
    const commit = git(['commit-tree', git(['write-tree'], index), '-p', 'HEAD', '-m', 'lost'], { ...index, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' });
    fs.rmSync(index.GIT_INDEX_FILE);
    fs.rmSync(path.join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const startedAt = async () => (await docker(['inspect', '-f', '{{.State.StartedAt}}', NAME])).stdout;
    const before = await startedAt();
    const result = await cli('swap', '--rev', commit);
    expect(result.code).toBe(3);
    expect(errorLinesOf(result.stderr)).toEqual([expect.stringMatching(/^hotswap: cannot write tree \w+ from git objects: lost\.txt \(object \w+\) is missing from this clone\nhint: fetch the missing objects/)]);
    expect(await startedAt()).toBe(before);
    expect(fs.readdirSync(path.join(repo.dir, '.hotswap', 'trees')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('an unknown revision is exit 2 with one line, before Docker is touched', async () => {
    const result = await cli('swap', '--rev', 'no-such-branch');
    expect(result.code).toBe(2);
    expect(errorLinesOf(result.stderr)).toEqual([expect.stringMatching(/^hotswap: unknown revision no-such-branch\nhint: /)]);
  });
});
