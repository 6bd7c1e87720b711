import type { Duplex } from 'node:stream';
import type { ContainerDir } from './proc-root.js';

/**
 * The seam between the swap logic and Docker (ARCHITECTURE.md, docker/). Only `docker.ts` implements it with dockerode;
 * unit tests use a recording fake.
 */

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  /** Docker's status word: created, running, restarting, exited, paused, dead. */
  readonly status: string;
  readonly running: boolean;
  readonly restarting: boolean;
  readonly startedAt: string;
  readonly exitCode: number;
  readonly imageId: string;
  /** Its main process as the engine's host numbers it; 0 when it runs none. */
  readonly pid: number;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Platform {
  readonly os: string;
  readonly arch: string;
  readonly variant: string | null;
}

export interface LogOptions {
  /** Unix seconds; only lines after this instant. */
  readonly since?: number;
  readonly tail?: number;
}

export interface PreparedExec {
  /**
   * Sends `input`, closes stdin and collects the output. With `done`, a test of the output so far that holds
   * only once the process has succeeded (its last act under `set -e` was to print that), it resolves as soon as
   * the test holds, with exit code 0: the stream's end and the engine's exit code, a few ms, are not waited for.
   */
  run(input: string, done?: (stdout: string) => boolean): Promise<ExecResult>;
  /** Closes stdin unsent: the process ends without doing its work. */
  cancel(): void;
  /** The first line the process printed before its input, once it has (null until then). */
  readonly firstLine?: () => string | null;
  /** Sends `text` with stdin left open (run() closes it later). */
  readonly write?: (text: string) => void;
  /** Streams a host file into stdin, which stays open; resolves once all of it was handed to the engine. */
  readonly sendFile?: (path: string) => Promise<void>;
  /** Resolves with the first line it prints, or null if it ends without one. */
  readonly firstLineSeen?: () => Promise<string | null>;
}

export interface ArchivedEntry {
  readonly path: string;
  readonly size: number;
  readonly modified: Date;
  /** Computed over the bytes as they arrived. */
  readonly sha256: string;
}

export interface ArchivedFile extends ArchivedEntry {
  readonly content: Buffer;
  readonly mode: number;
}

export interface ContainerClient {
  readonly name: string;
  /**
   * Opens host:port from the engine's host, when that is another machine reached over SSH: there a loopback
   * URL means the engine host's loopback. Absent when the engine is local.
   */
  readonly dial?: (host: string, port: number) => Promise<Duplex>;
  /** null when the container does not exist. */
  inspect(): Promise<ContainerState | null>;
  /** Runs argv in the container (no shell unless argv starts one) and collects its output. */
  exec(argv: readonly string[]): Promise<ExecResult>;
  /**
   * Starts argv now with stdin open: it runs once `run` sends its input. The process start (most of an
   * exec's cost) is paid while something else runs, such as the build.
   */
  prepareExec(argv: readonly string[]): Promise<PreparedExec>;
  /**
   * Writes one file into `dir` (which must exist) as `name` with `mode`, in one archive upload: `content`
   * is the bytes, or a host file's path (streamed from disk, never held whole in memory). With
   * `linkAs`, the same archive then hard-links it as `linkAs` in `dir`: that name is (re)placed only once the
   * file was written whole, so a write cut short (a full disk) leaves `linkAs` as it was.
   */
  putFile(dir: string, name: string, content: Buffer | string, mode: number, linkAs?: string): Promise<void>;
  /**
   * `dir` of the container while it runs as `state`, written by hotswap itself rather than uploaded
   * (docker/proc-root.ts); null when the engine is on another machine or its processes are out of reach.
   */
  openDir(state: ContainerState, dir: string): Promise<ContainerDir | null>;
  /**
   * One file read through the archive API, which needs no running process (exec does): how a stopped or
   * crash-looping container is hashed, backed up and restored. null when the path does not exist.
   */
  readFile(path: string): Promise<ArchivedFile | null>;
  /** The regular files directly in `dir` whose names start with `prefix`, hashed as they stream (archive API). */
  listFiles(dir: string, prefix: string): Promise<ArchivedEntry[]>;
  start(): Promise<void>;
  restart(timeoutS: number): Promise<void>;
  /** Stops it (a no-op when stopped); a stopped container's restart policy stays quiet until a start. */
  stop(timeoutS: number): Promise<void>;
  /**
   * Whether someone asked the engine to stop or kill it since `since` (ISO time): its events say so. A
   * binary that crashes, or a restart policy, makes no such request.
   */
  stopRequestedSince(since: string): Promise<boolean>;
  logs(options: LogOptions): Promise<string>;
  /** Follows the logs until the stream ends or `signal` aborts. */
  followLogs(options: LogOptions, onData: (text: string) => void, signal: AbortSignal): Promise<void>;
}

export interface CreateSpec {
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  readonly network: string | null;
  readonly ports: readonly string[];
  readonly volumes: readonly string[];
  readonly gpus: string | null;
  /** argv; null for the image's CMD. */
  readonly command: readonly string[] | null;
}

export interface Engine {
  /** Throws an environment error (exit 3) when the engine does not answer. */
  ping(): Promise<void>;
  /** Which engine, its version and API version, e.g. "Docker 20.10.24 (API 1.41)" or "Podman 4.3.1 (API 1.41)". */
  version(): Promise<string>;
  container(name: string): ContainerClient;
  /** null when the image is not present locally. */
  imagePlatform(ref: string): Promise<Platform | null>;
  createContainer(spec: CreateSpec): Promise<void>;
  /** The image a container was created from (as named) and its `docker run` settings; null when it is missing. */
  creationOf(name: string): Promise<ContainerCreation | null>;
}

/** A container's `target.create` settings: everything of CreateSpec but its name and image. */
export type CreateSettings = Omit<CreateSpec, 'name' | 'image'>;

/** How an existing container was made: what `target.image` and `target.create` record. */
export interface ContainerCreation {
  readonly image: string;
  readonly create: CreateSettings;
}
