import { describe, expect, it } from 'vitest';
import type { ChangedPath } from '../../src/plan/git.js';
import { makePlan } from '../../src/plan/plan.js';

const TARGET = { goos: 'linux', goarch: 'amd64' };
const TREE = 'b'.repeat(40);
const BASE = 'a'.repeat(40);
const changed = (...paths: string[]): ChangedPath[] => paths.map((path) => ({ status: 'M', path }));

describe('makePlan', () => {
  it('rebuilds when nothing was built yet', () => {
    expect(makePlan(TREE, null, [], TARGET)).toEqual({ rebuild: true, reason: 'nothing built yet', files: [], tree: TREE, base: null });
  });

  it('skips when nothing changed since the last build', () => {
    expect(makePlan(TREE, BASE, [], TARGET)).toEqual({
      rebuild: false, reason: 'no change since the last build', files: [], tree: TREE, base: BASE,
    });
  });

  it('skips a docs-only change, and lists each file as ignored', () => {
    const plan = makePlan(TREE, BASE, changed('docs/api.md', 'README.md'), TARGET);
    expect(plan.rebuild).toBe(false);
    expect(plan.reason).toBe('no binary input changed (2 files ignored)');
    expect(plan.files).toEqual([
      { path: 'docs/api.md', class: 'ignored', why: 'documentation' },
      { path: 'README.md', class: 'ignored', why: 'documentation' },
    ]);
  });

  it('says an image rebuild is needed when only image inputs changed, without rebuilding the binary', () => {
    const plan = makePlan(TREE, BASE, changed('Dockerfile', 'CMakeLists.txt', 'docs/build.md'), TARGET);
    expect(plan.rebuild).toBe(false);
    expect(plan.reason).toBe('image rebuild needed: Dockerfile, CMakeLists.txt');
  });

  it('names at most three image inputs', () => {
    const plan = makePlan(TREE, BASE, changed('Dockerfile', 'CMakeLists.txt', 'a.cu', 'b.cu'), TARGET);
    expect(plan.reason).toBe('image rebuild needed: Dockerfile, CMakeLists.txt, a.cu');
  });

  it('rebuilds for a binary input and warns that the image is stale too', () => {
    const plan = makePlan(TREE, BASE, changed('server/routes.go', 'Dockerfile'), TARGET);
    expect(plan.rebuild).toBe(true);
    expect(plan.reason).toBe('1 binary input changed; the image is stale too (1 image input)');
    expect(plan.files.map((f) => f.class)).toEqual(['binary', 'image']);
  });

  it('counts binary inputs in the plural', () => {
    const plan = makePlan(TREE, BASE, changed('server/routes.go', 'go.mod', 'server/platform_windows.go'), TARGET);
    expect(plan.rebuild).toBe(true);
    expect(plan.reason).toBe('2 binary inputs changed');
  });

  it('keeps the tree and the base it compared', () => {
    const plan = makePlan(TREE, BASE, changed('main.go'), TARGET);
    expect(plan.tree).toBe(TREE);
    expect(plan.base).toBe(BASE);
  });
});
