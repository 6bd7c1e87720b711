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
import type { ResolvedConfig } from '../config/types.js';

export interface Prebuild {
  /** The tree and every build setting: a run reuses a prebuild only of exactly what it would build. */
  readonly key: string;
  /** Waits for the build and moves its binary to `build.output`; rejects as the build did. `signal` aborts it. */
  keep(signal?: AbortSignal): Promise<Artifact>;
  /** Aborts the build (a no-op once kept: false); its private file is removed once it has ended. */
  discard(): boolean;
}

/** `<base>-hotswap.<tree8>`, or null when nothing is stamped. */
export const versionOf = (config: ResolvedConfig, tree: string) => (config.build.versionVar ? devVersion(config.build.versionBase, tree) : null);

/** The build of `tree` for a target (its config view) on `platform`. */
export function buildRequestFor(config: ResolvedConfig, mainPackage: string, platform: Platform, tree: string, talk: Pick<BuildRequest, 'progress' | 'log' | 'signal'>): BuildRequest {
  return { repo: config.repo, build: config.build, mainPackage, platform, version: versionOf(config, tree), ...talk };
}

/** What a build of `request` makes, as one string: same key, same binary. */
export function buildKey(request: BuildRequest, tree: string): string {
  const { output: _output, ...build } = request.build;
  return JSON.stringify({ tree, build, repo: request.repo, main: request.mainPackage, platform: request.platform, version: request.version });
}

let serial = 0;
/** `.hotswap/bin/.ollama-dev.<pid>-<n>`: beside the output (a rename, not a copy), never another's. */
const privateOutput = (output: string) => join(dirname(output), `.${basename(output)}.${process.pid}-${++serial}`);

export function startPrebuild(builder: Builder, request: BuildRequest, key: string): Prebuild {
  const controller = new AbortController();
  const output = privateOutput(request.build.output);
  const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
  const built = builder.build({ ...request, build: { ...request.build, output }, signal });
  built.catch(() => undefined); // a discarded build's failure is nobody's
  let kept = false;
  return {
    key,
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
      void built.then(() => undefined, () => undefined).then(() => rm(output, { force: true })).catch(() => undefined);
      return true;
    },
  };
}

/** At most one prebuild waiting for a run (watch's speculation): the newest tree's. */
export class Prebuilds {
  private waiting: Prebuild | null = null;
  /** The last key a run took: its build is under way or done, never speculated again. */
  private taken: string | null = null;
  private refreshing = false;
  private again = false;
  /** The container's platform at the last run: what a speculative build builds for. */
  platform: Platform | null = null;

  /** Starts a build of `key` unless one is under way or a run took it; another key's is discarded. True when started. */
  start(builder: Builder, request: BuildRequest, key: string): boolean {
    if (this.waiting?.key === key || this.taken === key) return false;
    this.waiting?.discard();
    this.waiting = startPrebuild(builder, request, key);
    return true;
  }

  /** The prebuild of `key`, now the caller's to keep or discard; another key's is discarded. */
  take(key: string): Prebuild | null {
    const found = this.waiting;
    this.waiting = null;
    this.taken = key;
    if (found?.key === key) return found;
    found?.discard();
    return null;
  }

  /** Discards what waits (the daemon stops). */
  clear(): void {
    this.waiting?.discard();
    this.waiting = null;
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
