/**
 * Builds started before a run knows it wants them: the run's own, while its plan is made, and watch's
 * speculation, from the first edit of a batch. A prebuild writes to a private path beside `build.output`
 * and is moved there only when a run keeps it; a discarded one is aborted and its file removed, so it never
 * clobbers what a later run or the container relies on.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Artifact, Builder, BuildRequest } from '../builders/builder.js';
import type { Platform } from '../docker/client.js';
import { devVersion } from '../builders/go-build.js';
import type { BuildConfig, ResolvedConfig } from '../config/types.js';

export interface Prebuild {
  /** The tree and every build setting: a run reuses a prebuild only of exactly what it would build. */
  readonly key: string;
  /** Waits for the build and moves its binary to `build.output`; rejects as the build did. `signal` aborts it. */
  keep(signal?: AbortSignal): Promise<Artifact>;
  /** Aborts the build (a no-op once kept: false); its private file is removed once it has ended. */
  discard(): boolean;
}

/** `<base>-hotswap.<tree8>`, or null when nothing is stamped. */
export const versionFor = (build: Pick<BuildConfig, 'versionVar' | 'versionBase'>, tree: string) =>
  (build.versionVar ? devVersion(build.versionBase, tree) : null);
export const versionOf = (config: ResolvedConfig, tree: string) => versionFor(config.build, tree);

/** The build of `tree` for a target (its config view) on `platform`. */
export function buildRequestFor(config: ResolvedConfig, mainPackage: string, platform: Platform, tree: string, talk: Pick<BuildRequest, 'progress' | 'log' | 'signal' | 'source'>): BuildRequest {
  const { source, ...rest } = talk;
  return { repo: config.repo, build: config.build, mainPackage, platform, version: versionOf(config, tree), ...rest, ...(source ? { source } : {}) };
}

/** What a build of `request` makes, as one string: same key, same binary. */
export function buildKey(request: BuildRequest, tree: string): string {
  const { output: _output, ...build } = request.build;
  return JSON.stringify({ tree, build, repo: request.repo, main: request.mainPackage, platform: request.platform, version: request.version });
}

let serial = 0;
/** `.hotswap/bin/.ollama-dev.<pid>-<n>`: beside the output (a rename, not a copy), never another's. */
const privateOutput = (output: string) => join(dirname(output), `.${basename(output)}.${process.pid}-${++serial}`);

/** A build started after `after` settles (builds run one at a time); one discarded before it starts never runs. */
function startPrebuild(builder: Builder, request: BuildRequest, key: string, after: Promise<void>): Prebuild & { settled: Promise<void> } {
  const controller = new AbortController();
  const output = privateOutput(request.build.output);
  const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
  const built = after.then(() => {
    if (signal.aborted) throw new Error('discarded before it started');
    return builder.build({ ...request, build: { ...request.build, output }, signal });
  });
  const settled = built.then(() => undefined, () => undefined); // a discarded build's failure is nobody's
  let kept = false;
  return {
    key, settled,
    async keep(stop) {
      kept = true;
      stop?.addEventListener('abort', () => controller.abort(), { once: true });
      const artifact = await built.catch(async (e: unknown) => {
        await rm(output, { force: true });
        throw e;
      });
      await rename(artifact.path, request.build.output);
      return { ...artifact, path: request.build.output };
    },
    discard() {
      if (kept) return false;
      kept = true; // once
      controller.abort();
      void settled.then(() => rm(output, { force: true })).catch(() => undefined);
      return true;
    },
  };
}

/**
 * The builds of a repo's targets, one at a time (builds are CPU-bound, and a builder container's sync or a
 * `docker build` cannot be stopped half-way: two at once could interleave), and for each target at most one
 * speculative build waiting for a run: the newest tree's.
 */
export class Prebuilds {
  private last: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<string, Prebuild>();
  /** The last key a run of each target took: its build is under way or done, never speculated again. */
  private readonly taken = new Map<string, string>();
  /** Each target's container platform at its last run: what a speculative build builds for. */
  readonly platforms = new Map<string, Platform>();
  private refreshing = false;
  private again = false;

  /** A build of `key`, started once the builds before it have ended. */
  begin(builder: Builder, request: BuildRequest, key: string): Prebuild {
    const prebuild = startPrebuild(builder, request, key, this.last);
    this.last = prebuild.settled;
    return prebuild;
  }

  /** Starts `target`'s build of `key` unless one is waiting or a run took it; another key's is discarded. True when started. */
  start(target: string, builder: Builder, request: BuildRequest, key: string): boolean {
    if (this.waiting.get(target)?.key === key || this.taken.get(target) === key) return false;
    this.waiting.get(target)?.discard();
    this.waiting.set(target, this.begin(builder, request, key));
    return true;
  }

  /** `target`'s waiting build of `key`, now the caller's to keep or discard; another key's is discarded. */
  take(target: string, key: string): Prebuild | null {
    const found = this.waiting.get(target);
    this.waiting.delete(target);
    this.taken.set(target, key);
    if (found?.key === key) return found;
    found?.discard();
    return null;
  }

  /** Discards what waits (the daemon stops). */
  clear(): void {
    for (const prebuild of this.waiting.values()) prebuild.discard();
    this.waiting.clear();
  }

  /** Runs `job` now, or once more after the one under way: the last edit's tree is always the one speculated. */
  refresh(job: () => Promise<void>): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    void job().catch(() => undefined).finally(() => {
      this.refreshing = false;
      if (!this.again) return;
      this.again = false;
      this.refresh(job);
    });
  }
}
