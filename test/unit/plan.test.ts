import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/plan/plan.js';
import type { FileClass, PlannedFile } from '../../src/report.js';

const TREE = 'b'.repeat(40);
const BASE = 'a'.repeat(40);
const CLASS: Record<string, [FileClass, string]> = {
  'docs/api.md': ['ignored', 'documentation'], 'README.md': ['ignored', 'documentation'],
  Dockerfile: ['image', 'goes into the image'], 'CMakeLists.txt': ['image', 'goes into the image'],
  'a.cu': ['image', 'goes into the image'], 'b.cu': ['image', 'goes into the image'], 'docs/build.md': ['ignored', 'documentation'],
  'server/routes.go': ['binary', 'imported by .'], 'go.mod': ['binary', 'module definition'], 'main.go': ['binary', 'main'],
  'server/platform_windows.go': ['ignored', 'built only for another platform'],
};
const changed = (...paths: string[]): PlannedFile[] => paths.map((path) => ({ path, class: CLASS[path]![0], why: CLASS[path]![1] }));

describe('makePlan', () => {
  it('rebuilds when nothing was built yet', () => {
    expect(makePlan(TREE, null, [])).toEqual({ rebuild: true, reason: 'nothing built yet', files: [], tree: TREE, base: null });
  });

  it('says what the base is when it is not the last build, and decides the same', () => {
    const plan = makePlan(TREE, BASE, changed('docs/api.md'), 'HEAD; nothing built yet');
    expect(plan).toMatchObject({ rebuild: false, reason: 'no binary input changed (1 file ignored)', base: BASE, comparedWith: 'HEAD; nothing built yet' });
    expect(makePlan(TREE, BASE, changed('server/routes.go'), 'HEAD; nothing built yet').rebuild).toBe(true);
    expect(makePlan(TREE, BASE, [], 'v1.0').reason).toBe('no change');
    expect(makePlan(TREE, BASE, [])).not.toHaveProperty('comparedWith');
  });

  it('skips when nothing changed since the last build', () => {
    expect(makePlan(TREE, BASE, [])).toEqual({
      rebuild: false, reason: 'no change since the last build', files: [], tree: TREE, base: BASE,
    });
  });

  it('skips a docs-only change, and lists each file as ignored', () => {
    const plan = makePlan(TREE, BASE, changed('docs/api.md', 'README.md'));
    expect(plan.rebuild).toBe(false);
    expect(plan.reason).toBe('no binary input changed (2 files ignored)');
    expect(plan.files).toEqual([
      { path: 'docs/api.md', class: 'ignored', why: 'documentation' },
      { path: 'README.md', class: 'ignored', why: 'documentation' },
    ]);
  });

  it('says an image rebuild is needed when only image inputs changed, without rebuilding the binary', () => {
    const plan = makePlan(TREE, BASE, changed('Dockerfile', 'CMakeLists.txt', 'docs/build.md'));
    expect(plan.rebuild).toBe(false);
    expect(plan.reason).toBe('image rebuild needed: Dockerfile, CMakeLists.txt');
  });

  it('names at most three image inputs', () => {
    const plan = makePlan(TREE, BASE, changed('Dockerfile', 'CMakeLists.txt', 'a.cu', 'b.cu'));
    expect(plan.reason).toBe('image rebuild needed: Dockerfile, CMakeLists.txt, a.cu');
  });

  it('rebuilds for a binary input and warns that the image is stale too', () => {
    const plan = makePlan(TREE, BASE, changed('server/routes.go', 'Dockerfile'));
    expect(plan.rebuild).toBe(true);
    expect(plan.reason).toBe('1 binary input changed; the image is stale too (1 image input)');
    expect(plan.files.map((f) => f.class)).toEqual(['binary', 'image']);
  });

  it('counts binary inputs in the plural', () => {
    const plan = makePlan(TREE, BASE, changed('server/routes.go', 'go.mod', 'server/platform_windows.go'));
    expect(plan.rebuild).toBe(true);
    expect(plan.reason).toBe('2 binary inputs changed');
  });

  it('keeps the tree and the base it compared', () => {
    const plan = makePlan(TREE, BASE, changed('main.go'));
    expect(plan.tree).toBe(TREE);
    expect(plan.base).toBe(BASE);
  });
});
