/**
 * What every builder takes and gives: one Go binary on the host, with its hash (being taken). One small interface per
 * strategy (local, container, artifact; `auto` is local with the container as its fallback), so the
 * pipeline holds builders it is given and unit tests pass fakes.
 */
import type { BuildConfig, BuilderMode } from '../config/types.js';
import type { Platform } from '../docker/client.js';
import type { Progress } from '../ui/progress.js';
import type { Logger } from '../log.js';

/** What a builder logs through: a run's logger, or a one-shot's head start holding its lines for the run's. */
export type BuildLog = Pick<Logger, 'info' | 'debug'>;

export interface BuildRequest {
  readonly repo: string;
  /** The target's resolved build section; `build.output` is where the binary is written. */
  readonly build: BuildConfig;
  readonly mainPackage: string;
  readonly platform: Platform;
  readonly version: string | null;
  readonly progress: Progress;
  readonly log: BuildLog;
  /** The directory to build from, when not the work tree (`repo`): an exported revision (revisions/export.ts). */
  readonly source?: string;
  /** Stops the build (watch's Ctrl-C, a discarded early build): the local `go build` is killed. */
  readonly signal?: AbortSignal;
}

export interface Artifact {
  readonly path: string;
  readonly size: number;
  /**
   * The sha256 of the bytes built, still being taken when the builder returns (builtFile in hash.ts): awaited
   * where it is needed, the check of the upload, after the bytes are in the container, and the report.
   */
  readonly sha256: Promise<string>;
  readonly builder: { mode: string; reason: string };
  /** false when the binary carries no version stamp (a Dockerfile without ARG HOTSWAP_LDFLAGS). */
  readonly stamped?: boolean;
}

export interface Builder {
  build(request: BuildRequest): Promise<Artifact>;
}

/** One builder per `build.mode`: the pipeline runs the one its target's config names. */
export type Builders = Readonly<Record<BuilderMode, Builder>>;
