/** What every builder takes and gives: one Go binary on the host, with its hash. */
import type { ResolvedConfig } from '../config/types.js';
import type { Platform } from '../docker/client.js';
import type { Progress } from '../ui/progress.js';
import type { Logger } from '../log.js';

export interface BuildRequest {
  readonly config: ResolvedConfig;
  readonly mainPackage: string;
  readonly platform: Platform;
  readonly version: string | null;
  readonly progress: Progress;
  readonly log: Logger;
  /** The directory to build from, when not the work tree (config.repo): an exported revision (revisions/export.ts). */
  readonly source?: string;
  /** Stops the build (watch's Ctrl-C): the local `go build` is killed. */
  readonly signal?: AbortSignal;
}

export interface Artifact {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly builder: { mode: string; reason: string };
  /** false when the binary carries no version stamp (a Dockerfile without ARG HOTSWAP_LDFLAGS). */
  readonly stamped?: boolean;
}
