/**
 * A one-shot swap's head start: its `go build`, begun before the program loads (dist/cli.js starts it
 * from a chunk of its own, src/cli/early-swap.ts), from what the last run here built
 * (`.hotswap/head-start.json`) and the work tree as it is now. It is a speculative build like watch's: the
 * run takes it only when it would start exactly that build (prebuild.ts's key), and discards it otherwise.
 * Only the host's Go starts early; the builder container and the artifact need Docker.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Builder, BuildLog, Builders, BuildRequest } from '../builders/builder.js';
import { chooseBuilder } from '../builders/choose.js';
import { localBuilder } from '../builders/local.js';
import { withFallback } from '../builders/local-first.js';
import type { BuildConfig } from '../config/types.js';
import type { Platform } from '../docker/client.js';
import { objectsGrown, snapshotPlace, writeSnapshot, type Located } from '../git/snapshot.js';
import { ensureStateDir, findStateFile, readTextNow, statePath } from '../state/store.js';
import { cgoEnabled } from '../toolchain/go-version.js';
import { askHostToolsEarly, hostTools } from '../toolchain/host-tools.js';
import { forwardingProgress, type Progress } from '../ui/progress.js';
import { yieldTo } from './build-priority.js';
import { buildKey, Prebuilds, versionFor } from './prebuild.js';

export const HEAD_START_FILE = 'head-start.json';

/** What a run built, less the tree: enough to start the same build of a newer tree. */
export interface HeadStartRecord {
  readonly target: string;
  readonly repo: string;
  readonly build: BuildConfig;
  readonly mainPackage: string;
  readonly platform: Platform;
  /** Where git put the repo then: the head start snapshots without asking (`rev-parse`), the run checks it. */
  readonly located?: Located;
}

/** The run's own builders and voices, once its config is known. */
export interface RunTalk {
  readonly builders: Builders;
  readonly progress: Progress;
  readonly log: BuildLog;
}

export interface HeadStart {
  /** The repo it snapshotted, into this process's private index: the run's repo opens on it. */
  readonly repo: string;
  /** The work tree as `hotswap swap` found it when it started: the run's snapshot too, if the run's repo is `located` there. */
  readonly tree: string;
  readonly located: Located;
  /** Holds the build for its target, for the run to take or discard. */
  readonly prebuilds: Prebuilds;
  /** The build's log lines and warnings so far go to the run's, and its container fallback is the run's. */
  attach(run: RunTalk): void;
  /** No run takes it (another repo, a failure, the daemon's swap): the build stops, the private index goes. */
  abandon(): void;
}

let remembered = '';

/**
 * Notes what a run builds, for the next one-shot's head start; written only when it differs from what the
 * file holds. Best effort: a failed write only loses the head start.
 */
export function rememberBuild(record: HeadStartRecord): void {
  const text = JSON.stringify(record);
  if (text === remembered) return;
  const file = statePath(record.repo, HEAD_START_FILE);
  if (readTextNow(file) === text) {
    remembered = text;
    return;
  }
  try {
    writeFileSync(`${file}.${process.pid}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.${process.pid}.tmp`, file);
    remembered = text;
  } catch {
    // A read-only or full .hotswap: the next one-shot starts its build in the run instead.
  }
}

/** The record in `file`, when whole and of the repo whose `.hotswap/` holds it. */
function readRecord(file: string): HeadStartRecord | null {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<HeadStartRecord>;
    const whole = typeof r.target === 'string' && r.repo === dirname(dirname(file)) && typeof r.mainPackage === 'string' &&
      typeof r.build?.output === 'string' && typeof r.platform?.os === 'string' &&
      (r.located === undefined || ['top', 'gitDirRaw', 'commonDir'].every((k) => typeof (r.located as unknown as Record<string, unknown>)[k] === 'string'));
    return whole ? r as HeadStartRecord : null;
  } catch {
    return null;
  }
}

/** The reason the host builds it (`local`, or `auto` choosing the host), or null when `auto` would not use the host's Go. */
async function localReason(record: HeadStartRecord): Promise<string | null> {
  if (record.build.mode === 'local') return 'builder local requested';
  askHostToolsEarly(record.repo);
  const choice = chooseBuilder(await hostTools(record.repo), cgoEnabled(record.build.env, process.env));
  return choice.builder === 'local' ? choice.reason : null;
}

/**
 * Progress and log calls held until the run's own are attached, then passed on as they come. `begun` settles
 * at the builder's first call (`go build` is spawned in the same turn as its log line: builders/local.ts),
 * or at `began()`.
 */
function heldTalk() {
  const held: ((run: RunTalk) => void)[] = [];
  let run: RunTalk | null = null;
  let began = () => {};
  const later = (call: (run: RunTalk) => void) => {
    began();
    if (run) call(run);
    else held.push(call);
  };
  const logAt = (level: keyof BuildLog) => (...args: unknown[]) => later((r) => (r.log[level] as (...a: unknown[]) => void)(...args));
  return {
    progress: forwardingProgress((call, args) => later((r) => (r.progress[call] as (...a: unknown[]) => void)(...args))),
    log: { info: logAt('info'), debug: logAt('debug') } as BuildLog,
    begun: new Promise<void>((resolve) => {
      began = resolve;
    }),
    began: () => began(),
    attached: new Promise<RunTalk>((resolve) => {
      held.push(resolve);
    }),
    attach(talk: RunTalk) {
      run = talk;
      for (const call of held.splice(0)) call(talk);
    },
  };
}

/** The host's build, as `auto` makes it: a toolchain failure falls back to the run's builder container. */
function headStartBuilder(reason: string, mode: BuildConfig['mode'], attached: Promise<RunTalk>): Builder {
  const local = localBuilder(reason);
  if (mode !== 'auto') return local;
  const container: Builder = { build: async (request) => (await attached).builders.container.build(request) };
  return { build: (request) => withFallback(local, container, request, reason) };
}

/**
 * The build of `tree` as `record` says, for the run to take; resolves once `go build` runs (or the build
 * ended first), so the swap command's loading, which holds the event loop for tens of milliseconds, does
 * not hold back the spawn.
 */
async function startBuild(record: HeadStartRecord, reason: string, tree: string) {
  const talk = heldTalk();
  const request: BuildRequest = {
    repo: record.repo, build: record.build, mainPackage: record.mainPackage, platform: record.platform,
    version: versionFor(record.build, tree), progress: talk.progress, log: talk.log,
  };
  const builder = headStartBuilder(reason, record.build.mode, talk.attached);
  let building: Promise<unknown> = Promise.resolve();
  const watched: Builder = {
    build: (r) => {
      const built = building = builder.build(r);
      void built.then(talk.began, talk.began); // a build that failed before it spoke
      return built;
    },
  };
  const prebuilds = new Prebuilds();
  prebuilds.start(record.target, watched, request, buildKey(request, tree));
  await talk.begun;
  const restorePriority = yieldTo(building); // the rest of this process runs beside the build: it goes first
  return { prebuilds, attach: talk.attach, restorePriority };
}

/**
 * The work tree's snapshot, where git put the repo at the last run (no `rev-parse`: the run checks it). A
 * failed one leaves no private index: the run's would take it for its own (and no prune would run under it).
 */
async function snapshotNow(record: HeadStartRecord): Promise<{ tree: string; located: Located; privateIndex: string }> {
  const place = await snapshotPlace(record.repo, ensureStateDir(record.repo), record.located);
  try {
    return { tree: await writeSnapshot(place), located: place.located, privateIndex: place.privateIndex };
  } catch (error) {
    rmSync(place.privateIndex, { force: true });
    throw error;
  }
}

/**
 * Starts the head start of the swap these flags ask for, or null when there is none to make: no record
 * (the first run here), a `--rev` run (it builds an exported tree), a build that is not the host's, or
 * anything failing (the run then does it all, and reports what is wrong). The snapshot is made while the
 * host's tools are asked: the build needs both, and neither needs the other.
 */
export async function headStart(flags: Readonly<Record<string, unknown>>, cwd: string): Promise<HeadStart | null> {
  if (flags.rev !== undefined) return null;
  const file = findStateFile(HEAD_START_FILE, flags, cwd);
  const record = file ? readRecord(file) : null;
  if (!record || (record.build.mode !== 'local' && record.build.mode !== 'auto')) return null;
  const snapshotting = snapshotNow(record).catch(() => null);
  const reason = await localReason(record).catch(() => null);
  const snapshot = await snapshotting;
  if (!snapshot) return null; // the run snapshots, and says what is wrong
  const dropIndex = () => rmSync(snapshot.privateIndex, { force: true });
  if (!reason) {
    dropIndex();
    return null;
  }
  try {
    const { prebuilds, attach, restorePriority } = await startBuild(record, reason, snapshot.tree);
    const abandon = () => {
      prebuilds.clear();
      dropIndex();
      restorePriority(); // a build stopped before it spoke (a container fallback waiting for a run) never settles
    };
    // Private objects grown past their limit: the run's repo prunes them, never under a snapshot of a live
    // process, so this one's goes. Asked once the build runs, since it rarely says so.
    if (await objectsGrown(record.repo)) {
      abandon();
      return null;
    }
    return { repo: record.repo, tree: snapshot.tree, located: snapshot.located, prebuilds, attach, abandon };
  } catch {
    dropIndex();
    return null;
  }
}
