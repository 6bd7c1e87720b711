/**
 * Watch's speculation hands its snapshot to the batch's run only when no file event came since that snapshot
 * was started and the changed files still hold what it holds: git is a fake whose snapshots end when the test
 * says (each tree holds server/message.go as the blob `blobs` names), the work tree a temp dir, Prebuilds real.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Builders } from '../../src/builders/builder.js';
import type { GitRepo } from '../../src/git/repo.js';
import type { CheckedTargets, TargetRun } from '../../src/pipeline/inputs.js';
import { Prebuilds } from '../../src/pipeline/prebuild.js';
import { Speculation } from '../../src/pipeline/speculate.js';

/** One `git.snapshot()` call: the test ends it with a tree or a failure. */
interface Snapshot { readonly tree: Promise<string>; end(tree: string): void; fail(): void }
let snapshots: Snapshot[];
let dir: string;
const FILE = 'server/message.go';
/** The blob each tree holds at FILE: what git hashes for these bytes. */
const blobs = new Map<string, string>();
const write = (text: string) => fs.writeFileSync(path.join(dir, FILE), text);
/** `tree` as a snapshot of the work tree now would make it. */
function holdsNow(tree: string) {
  blobs.set(tree, execFileSync('git', ['hash-object', FILE], { cwd: dir, encoding: 'utf8' }).trim());
  return tree;
}
let options: ConstructorParameters<typeof Speculation>[0];
let speculation: Speculation;

function snapshotCall(): Promise<string> {
  let end: (tree: string) => void = () => undefined;
  let fail: () => void = () => undefined;
  const tree = new Promise<string>((resolve, reject) => {
    end = resolve;
    fail = () => reject(new Error('git add failed'));
  });
  snapshots.push({ tree, end, fail });
  return tree;
}

beforeEach(() => {
  snapshots = [];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-speculate-'));
  fs.mkdirSync(path.join(dir, 'server'));
  write('package server\n');
  const listTree = async (tree: string) => [{ path: FILE, blob: blobs.get(tree)! }];
  const git = { dir, snapshot: snapshotCall, listTree } as unknown as GitRepo;
  // No platform is known yet for the target, so no build starts: these tests are about the snapshots.
  const run = { name: 't', inputs: { git, prebuilds: new Prebuilds() } } as unknown as TargetRun;
  const targets = { runs: [run], close: async () => undefined } as CheckedTargets;
  options = { targets, builders: {} as Builders, log: pino({ level: 'silent' }), dryRun: false };
  speculation = new Speculation(options);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the snapshot a run of the batch takes', () => {
  it('is the speculation\'s when no file event came since it was started: git is not asked again', async () => {
    speculation.changed([FILE]);
    snapshots[0]!.end(holdsNow('tree-1'));
    expect(await speculation.snapshot()).toBe('tree-1');
    expect(snapshots).toHaveLength(1);
  });

  it('is a new one when a file event came after the speculation\'s snapshot', async () => {
    speculation.changed([FILE]);
    snapshots[0]!.end('tree-1');
    await vi.waitFor(() => expect(snapshots).toHaveLength(1));
    speculation.changed([FILE]); // a second edit: its own speculative snapshot is taken…
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    snapshots[1]!.end(holdsNow('tree-2'));
    expect(await speculation.snapshot()).toBe('tree-2'); // …and the run takes that one, not the first
  });

  it('is never one started before the last event, even while the next speculation waits its turn', async () => {
    speculation.changed([FILE]);
    speculation.changed([FILE]); // during the first snapshot: the speculation runs again once it ends
    const run = speculation.snapshot(); // the first snapshot may miss the second edit: the run makes its own
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    snapshots[1]!.end('tree-run');
    expect(await run).toBe('tree-run');
    snapshots[0]!.end('tree-1');
    await vi.waitFor(() => expect(snapshots).toHaveLength(3)); // the speculation again, for the second edit
    snapshots[2]!.end(holdsNow('tree-2'));
    expect(await speculation.snapshot()).toBe('tree-2');
  });

  it('is a new one when a changed file no longer holds what the speculation\'s snapshot holds (its event dropped), for every target', async () => {
    speculation.changed([FILE]);
    snapshots[0]!.end(holdsNow('tree-1'));
    write('package server // saved again within 50 ms: chokidar reports nothing\n');
    const first = speculation.snapshot();
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    snapshots[1]!.end(holdsNow('tree-run'));
    expect(await first).toBe('tree-run');
    expect(await speculation.snapshot()).toBe('tree-run'); // the run's next target takes the run's own
    expect(snapshots).toHaveLength(2);
  });

  it('is a new one when the speculation\'s snapshot failed', async () => {
    speculation.changed([FILE]);
    snapshots[0]!.fail();
    const run = speculation.snapshot();
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    snapshots[1]!.end('tree-run');
    expect(await run).toBe('tree-run');
  });

  it('is the run\'s own in a dry run, which speculates nothing', async () => {
    const dry = new Speculation({ ...options, dryRun: true });
    dry.changed([FILE]);
    expect(snapshots).toHaveLength(0);
    const run = dry.snapshot();
    await vi.waitFor(() => expect(snapshots).toHaveLength(1));
    snapshots[0]!.end('tree-run');
    expect(await run).toBe('tree-run');
  });
});
