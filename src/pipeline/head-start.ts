/**
 * A one-shot swap's head start: its `go build`, begun before the command loads Docker, the config schema
 * and the logger (~75 ms of a fresh process), from what the last run here built (`.hotswap/head-start.json`)
 * and the work tree as it is now. It is a speculative build like watch's: the run takes it only when it
 * would start exactly that build (prebuild.ts's key), and discards it otherwise. Only the host's Go starts
 * early; the builder container and the artifact need Docker.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Builder, BuildLog, Builders, BuildRequest } from '../builders/builder.js';
import { chooseBuilder } from '../builders/choose.js';
import { localBuilder } from '../builders/local.js';
import { withFallback } from '../builders/local-first.js';
import type { BuildConfig } from '../config/types.js';
import type { Platform } from '../docker/client.js';
import { openRepo, type GitRepo } from '../git/repo.js';
import { findStateFile, statePath } from '../state/store.js';
import { cgoEnabled } from '../toolchain/go-version.js';
import { askHostToolsEarly, hostTools } from '../toolchain/host-tools.js';
import { forwardingProgress, type Progress } from '../ui/progress.js';
import { buildKey, Prebuilds, versionFor } from './prebuild.js';

export const HEAD_START_FILE = 'head-start.json';

/** What a run built, less the tree: enough to start the same build of a newer tree. */
export interface HeadStartRecord {
  readonly target: string;
  readonly repo: string;
  readonly build: BuildConfig;
  readonly mainPackage: string;
  readonly platform: Platform;
}

/** The run's own builders and voices, once its config is known. */
export interface RunTalk {
  readonly builders: Builders;
  readonly progress: Progress;
  readonly log: BuildLog;
}

export interface HeadStart {
  /** The repo the build snapshotted: the run uses it (one private index, one snapshot at a time). */
  readonly git: GitRepo;
  /** The work tree as `hotswap swap` found it when it started: the run's snapshot too. */
  readonly tree: string;
  /** Holds the build for its target, for the run to take or discard. */
  readonly prebuilds: Prebuilds;
  /** The build's log lines and warnings so far go to the run's, and its container fallback is the run's. */
  attach(run: RunTalk): void;
  /** The run is for another repo: the build stops and the repo closes. */
  abandon(): Promise<void>;
}

let remembered = '';

/** Notes what a run builds, for the next one-shot's head start. Best effort: a failed write only loses the head start. */
export function rememberBuild(record: HeadStartRecord): void {
  const text = JSON.stringify(record);
  if (text === remembered) return;
  const file = statePath(record.repo, HEAD_START_FILE);
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
      typeof r.build?.output === 'string' && typeof r.platform?.os === 'string';
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
  const watched: Builder = {
    build: (r) => {
      const built = builder.build(r);
      void built.then(talk.began, talk.began); // a build that failed before it spoke
      return built;
    },
  };
  const prebuilds = new Prebuilds();
  prebuilds.start(record.target, watched, request, buildKey(request, tree));
  await talk.begun;
  return { prebuilds, attach: talk.attach };
}

/**
 * Starts the head start of the swap these flags ask for, or null when there is none to make: no record
 * (the first run here), a `--rev` run (it builds an exported tree), a build that is not the host's, or
 * anything failing (the run then does it all, and reports what is wrong). The repo opens while the host's
 * tools are asked: the build needs both, and neither needs the other.
 */
export async function headStart(flags: Readonly<Record<string, unknown>>, cwd: string): Promise<HeadStart | null> {
  if (flags.rev !== undefined) return null;
  const file = findStateFile(HEAD_START_FILE, flags, cwd);
  const record = file ? readRecord(file) : null;
  if (!record || (record.build.mode !== 'local' && record.build.mode !== 'auto')) return null;
  const opening = openRepo(record.repo).catch(() => null);
  const reason = await localReason(record).catch(() => null);
  const git = await opening;
  if (!git || !reason) return git?.close().then(() => null) ?? null;
  try {
    const tree = await git.snapshot();
    const { prebuilds, attach } = await startBuild(record, reason, tree);
    return {
      git, tree, prebuilds, attach,
      async abandon() {
        prebuilds.clear();
        await git.close();
      },
    };
  } catch {
    await git.close();
    return null;
  }
}
