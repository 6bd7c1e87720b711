/**
 * The history replay on a real repository, on demand (not part of `npm test`: it needs a clone this machine
 * may not have). For each of the last N first-parent commits, the plan of C^ → C is checked against `go
 * list` on both trees, as test/e2e/plan-history.test.ts does for the generated history:
 *
 *   HOTSWAP_REPLAY_REPO=~/src/ollama [HOTSWAP_REPLAY_COMMITS=300] [HOTSWAP_REPLAY_MAIN=.] npm run replay
 *
 * go list runs offline (GOPROXY=off): packages of modules missing from the module cache are reported with
 * errors but the repo's own packages, which are what a plan is about, are still listed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { openRepo } from '../../src/git/repo.js';
import type { BuildContext } from '../../src/plan/go/context.js';
import { createPlanner } from '../../src/plan/planner.js';
import { binaryInputsChanged, closeGoTruth, goListInputs } from '../support/go-truth.js';

const exec = promisify(execFile);
const REPO = process.env.HOTSWAP_REPLAY_REPO;
const COMMITS = Number(process.env.HOTSWAP_REPLAY_COMMITS ?? 300);
const MAIN = process.env.HOTSWAP_REPLAY_MAIN ?? '.';
const CONTEXT: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 24 };
const IMAGE_INPUT = /(^|\/)(Dockerfile[^/]*|CMakeLists\.txt|[^/]*\.cmake|[^/]*_VERSION)$|(^|\/)cmake\/|\.(cu|cuh|metal|comp|glsl|wgsl|cl)$/;

afterAll(closeGoTruth);

it(`replays the last ${COMMITS} commits of ${REPO ?? '(HOTSWAP_REPLAY_REPO is not set)'}`, async () => {
  if (!REPO) throw new Error('set HOTSWAP_REPLAY_REPO to a git clone of a Go repository (e.g. ollama)');
  const git = await openRepo(REPO);
  try {
    const revs = (await exec('git', ['rev-list', '--first-parent', '--reverse', '-n', String(COMMITS + 1), 'HEAD'], { cwd: REPO, maxBuffer: 1 << 26 }))
      .stdout.trim().split('\n');
    const planner = createPlanner(git, { imageInputs: [] });
    const target = { main: MAIN, ...CONTEXT };
    let falseSkips = 0, binary = 0, quiet = 0, quietSkipped = 0, imageOnly = 0, imageFlagged = 0;
    const started = performance.now();
    for (let i = 1; i < revs.length; i++) {
      const [parent, commit] = [revs[i - 1]!, revs[i]!];
      const [before, after] = await Promise.all([goListInputs(REPO, parent, target), goListInputs(REPO, commit, target)]);
      const truth = binaryInputsChanged(before, after);
      const plan = await planner.plan(await git.treeOf(parent), await git.treeOf(commit), { main: MAIN, context: CONTEXT });
      const paths = plan.files.map((f) => f.path);
      if (truth.length > 0) {
        binary += 1;
        if (!plan.rebuild) {
          falseSkips += 1;
          console.log(`FALSE SKIP ${commit.slice(0, 10)}: inputs ${truth.join(', ')}; plan: ${plan.reason}`);
        }
      } else if (!paths.some((p) => IMAGE_INPUT.test(p))) {
        quiet += 1;
        if (!plan.rebuild) quietSkipped += 1;
      }
      if (paths.length > 0 && paths.every((p) => IMAGE_INPUT.test(p))) {
        imageOnly += 1;
        if (!plan.rebuild && plan.reason.startsWith('image rebuild needed')) imageFlagged += 1;
      }
    }
    const rate = quiet ? (100 * quietSkipped) / quiet : 100;
    console.log(`replay of ${REPO}: ${revs.length - 1} commits, ${binary} change the binary, ${falseSkips} false skips, ` +
      `skip rate ${quietSkipped}/${quiet} = ${rate.toFixed(1)}% of commits touching no binary or image input, ` +
      `image-only flagged ${imageFlagged}/${imageOnly} (${Math.round(performance.now() - started)} ms)`);
    expect(falseSkips).toBe(0);
    expect(rate).toBeGreaterThanOrEqual(90);
    expect(imageFlagged).toBe(imageOnly);
  } finally {
    await git.close();
  }
}, 3_600_000);
