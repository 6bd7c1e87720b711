/**
 * `hotswap bisect` on the real engine over a history made here: 32 commits after the good one, 16 of them
 * docs-only, a regression at a known commit. It names that commit with no more builds than the binary-distinct
 * commits need, leaves HEAD, the index, the work tree and the user's `git bisect` as they were, and puts the
 * container's binary back, also after Ctrl-C.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, startCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { containerSha256, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { userGitState } from '../support/git-state.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-bisect';
const CULPRIT = 21;
let repo: FixtureRepo;
let port: number;
let good: string;
const commits: string[] = [];
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, timeoutMs: 300_000 });

/** The user's command: bad (1) once /api/hello says "broken", good (0) before. */
const check = () => ['node', '-e', `fetch('http://127.0.0.1:${port}/api/hello').then((r) => r.text()).then((t) => process.exit(t.includes('broken') ? 1 : 0))`];

const gitState = () => userGitState(repo);

beforeAll(async () => {
  repo = await makeFixtureRepo(); // no .gitignore for .hotswap/: git status must still show nothing new
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { mode: 'local' } } });
  fs.appendFileSync(path.join(repo.dir, '.git', 'info', 'exclude'), 'hotswap.config.json\n');
  good = await repo.git('rev-parse', 'HEAD');
  for (let i = 1; i <= 32; i++) {
    if (i % 2 === 0) repo.write('docs/notes.md', `notes ${i}\n`);
    else repo.write('server/gen.go', `package server\n\n// Gen changes the binary's inputs.\nconst Gen = ${i}\n`);
    if (i === CULPRIT) repo.setMessage('broken hello');
    commits.push(await repo.commit(i % 2 === 0 ? `docs ${i}` : `code ${i}`));
  }
  repo.setMessage('hello uncommitted'); // an edit in progress, never committed
  await repo.git('bisect', 'start');
  await repo.git('bisect', 'bad', 'HEAD'); // the user's own bisect, in progress
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('hotswap bisect', () => {
  it('names the first bad commit with at most the builds the binary-distinct commits need, and touches nothing', async () => {
    const before = await gitState();
    const served = await containerSha256(NAME);
    const result = await cli('bisect', '--good', good, '--bad', 'HEAD', '--json', '--', ...check());
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.firstBad).toBe(commits[CULPRIT - 1]);
    expect(out.subject).toBe(`code ${CULPRIT}`);
    expect(out.files).toEqual(expect.arrayContaining(['server/gen.go', 'server/message.go']));
    // 15 untested binaries between the good one and the bad one: 4 halvings.
    expect(out.steps.length).toBeLessThanOrEqual(4);
    for (const step of out.steps) {
      expect(step).toEqual({ rev: expect.stringMatching(/^[0-9a-f]{40}$/), verdict: expect.stringMatching(/^(good|bad)$/), built: true, ms: expect.any(Number) });
      expect(commits.indexOf(step.rev) % 2, 'only commits that change the binary are built').toBe(0);
    }
    expect(await gitState()).toEqual(before);
    expect(await containerSha256(NAME)).toBe(served);
    expect(await hello()).toBe('hello v1');
  });

  it('puts the original binary back after Ctrl-C in a step', async () => {
    const served = await containerSha256(NAME);
    const bisect = startCli(['bisect', '--good', good, '--bad', 'HEAD', '--', 'sh', '-c', 'echo step-running >&2; exec sleep 60'], { cwd: repo.dir });
    await bisect.waitForOutput(/step-running/, 120_000);
    expect(await containerSha256(NAME)).not.toBe(served); // a candidate is live
    bisect.child.kill('SIGINT');
    const result = await bisect.stop('SIGINT', 60_000);
    expect(result.code, result.stderr).toBe(1);
    expect(errorLinesOf(result.stderr)).toEqual([expect.stringMatching(/^hotswap: bisect interrupted/)]);
    expect(await containerSha256(NAME)).toBe(served);
  });

  it('refuses bad input with exit 2 and one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--good', 'HEAD', '--bad', good, '--', 'true'], /is not an ancestor of --bad/],
      [['--good', 'no-such-rev', '--bad', 'HEAD', '--', 'true'], /unknown revision no-such-rev/],
      [['--good', good, '--bad', 'HEAD'], /no command to run/],
    ];
    for (const [args, line] of cases) {
      const result = await cli('bisect', ...args);
      expect(result.code, result.stderr).toBe(2);
      expect(errorLinesOf(result.stderr)).toEqual([expect.stringMatching(line)]);
    }
  });
});
