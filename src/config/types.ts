/**
 * The resolved, read-only configuration: what every other module reads. Only `resolveConfig` builds it
 * and only it knows a default. Paths are absolute.
 */
export type BuilderMode = 'auto' | 'local' | 'container' | 'artifact';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface WatchConfig {
  readonly paths: readonly string[];
  readonly ignore: readonly string[];
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly poll: boolean;
  readonly minRestartIntervalMs: number;
}

export interface BuildConfig {
  readonly mode: BuilderMode;
  /** Where the built binary is written on the host. */
  readonly output: string;
  readonly env: Readonly<Record<string, string>>;
  readonly flags: readonly string[];
  readonly ldflags: string;
  readonly tags: readonly string[];
  /** Go symbol stamped with the dev version through -X; null to stamp nothing. */
  readonly versionVar: string | null;
  /** Base of the stamped version: `<versionBase>-hotswap.<tree8>`. */
  readonly versionBase: string;
  /** Image of the builder container: build.builderImage, else `golang:<go.mod's go line>-bookworm`. */
  readonly builderImage: string;
  /** Where builderImage came from ("build.builderImage", "go.mod's go 1.26.0"), for doctor and errors. */
  readonly builderImageWhy: string;
  readonly builderContainer: string;
  readonly dockerfile: string;
  readonly target: string | null;
  readonly artifactPath: string;
  readonly sync: boolean;
  readonly hostRepo: string | null;
}

export interface CreateConfig {
  readonly network: string | null;
  readonly ports: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly volumes: readonly string[];
  readonly gpus: string | null;
  /** The container's command (argv); null for the image's own CMD. */
  readonly command: readonly string[] | null;
}

export interface HealthConfig {
  readonly url: string | null;
  readonly versionUrl: string | null;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Health URLs may name another host (host.docker.internal from a dev container); else loopback only. */
  readonly allowRemote: boolean;
}

export interface TargetConfig {
  readonly container: string;
  readonly image: string | null;
  readonly binaryPath: string;
  readonly create: CreateConfig;
  readonly restart: boolean;
  readonly stopTimeoutS: number;
  readonly verify: boolean;
  readonly rollbackOnFail: boolean;
  readonly keepBackups: number;
  /** Write the upload from the host through /proc/<pid>/root where it can (docker/proc-root.ts). */
  readonly writeFromHost: boolean;
  /** Where backups are kept in the container (absolute). */
  readonly backupDir: string;
  /** --keep-backup: keep every backup of this run and before (no pruning). */
  readonly keepBackup: boolean;
  /** How long a swap waits for another run's swap into the same container before it gives up. */
  readonly lockTimeoutMs: number;
  readonly health: HealthConfig;
}

export interface PlanConfig {
  /** Globs (relative to the repo) of image inputs, beside the built-in ones (Dockerfiles, CMake, GPU sources). */
  readonly imageInputs: readonly string[];
}

export interface NotifyConfig {
  readonly desktop: boolean;
  readonly command: readonly string[] | null;
}

export interface OutputConfig {
  readonly quiet: boolean;
  readonly json: boolean;
  readonly logLevel: LogLevel;
}

/** One binary and the container it is swapped into (`targets[i]`, or the top-level main/target/build). */
export interface ResolvedTarget {
  /** Unique; keys the target's state. Default: its container's name. */
  readonly name: string;
  readonly main: string;
  readonly target: TargetConfig;
  readonly build: BuildConfig;
}

export interface ResolvedConfig {
  /** The config file read, or null when none was found (defaults only). */
  readonly configFile: string | null;
  readonly repo: string;
  /** 'auto' or a package path relative to the repo, like '.' or './cmd/ollama'. */
  readonly main: string;
  readonly watch: WatchConfig;
  readonly build: BuildConfig;
  readonly target: TargetConfig;
  /**
   * The targets to run, in order (those `--container` selects). `main`, `target` and `build` above are the
   * first one's, so a module that serves one target reads those; `configForTarget` gives each one's view.
   */
  readonly targets: readonly [ResolvedTarget, ...ResolvedTarget[]];
  readonly plan: PlanConfig;
  readonly notify: NotifyConfig;
  readonly output: OutputConfig;
}

/** Command-line flags shared by `watch` and `swap`; undefined means "not given, use the file". */
export interface PipelineFlags {
  config?: string;
  repo?: string;
  main?: string;
  container?: string;
  /** The engine's address (-H): over DOCKER_HOST and any docker context. */
  host?: string;
  image?: string;
  builder?: string;
  forceBuilder?: boolean;
  /** false when --no-local was given. */
  local?: boolean;
  restart?: boolean;
  verify?: boolean;
  rollbackOnFail?: boolean;
  keepBackup?: boolean;
  quiet?: boolean;
  json?: boolean;
  logLevel?: string;
  debounce?: string;
  minRestartInterval?: string;
}
