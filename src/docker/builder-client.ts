/**
 * The seam between the container/artifact builders and Docker (ARCHITECTURE.md, docker/): `builders/` decide, this
 * interface acts. Only `builder-engine.ts` implements it with dockerode.
 */
import type { Readable } from 'node:stream';

export interface BuilderState {
  readonly id: string;
  readonly imageId: string;
  readonly running: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface BuilderSpec {
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  /** Named volumes: volume name → mount point. Created when missing; they outlive the container. */
  readonly volumes: Readonly<Record<string, string>>;
  /** Host directory → mount point (empty in sync mode). */
  readonly binds: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ExecSpec {
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
}

export interface ImageBuildSpec {
  /** Path of the Dockerfile inside the context. */
  readonly dockerfile: string;
  readonly target: string | null;
  readonly buildargs: Readonly<Record<string, string>>;
  readonly tag: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface ImageBuildResult {
  readonly imageId: string;
  /** Everything the build printed. */
  readonly log: string;
}

export interface BuilderEngine {
  /** The image's id, or null when it is not present locally. */
  imageId(ref: string): Promise<string | null>;
  /** null when the container does not exist. */
  builderState(name: string): Promise<BuilderState | null>;
  volumeExists(name: string): Promise<boolean>;
  createBuilder(spec: BuilderSpec): Promise<void>;
  start(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** Runs argv in the container, streaming its output; resolves with the exit code. */
  exec(name: string, spec: ExecSpec, onOutput: (text: string) => void): Promise<number>;
  /** Unpacks a tar stream into `dir` (which must exist) in the container. */
  putArchive(name: string, dir: string, archive: Readable): Promise<void>;
  /** Copies one file out of a container to `hostFile` (written whole, mode 0755). */
  copyOut(name: string, path: string, hostFile: string): Promise<void>;
  /** Builds an image from a tar context; a failed step rejects with the step's error and the log. */
  buildImage(context: Readable, spec: ImageBuildSpec, onOutput: (text: string) => void): Promise<ImageBuildResult>;
  /** Copies `path` out of `image` through a throw-away container that never starts. */
  extractFromImage(image: string, path: string, hostFile: string): Promise<void>;
  /** Removes every tag of `repository` except `keepTag`; tags still in use are left alone. */
  pruneTags(repository: string, keepTag: string): Promise<string[]>;
}

/** A build step that failed inside Docker: the engine's message plus the build log before it. */
export class ImageBuildError extends Error {
  constructor(message: string, readonly log: string) {
    super(message);
    this.name = 'ImageBuildError';
  }
}
