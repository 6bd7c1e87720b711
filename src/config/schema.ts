/**
 * The FILE format of `hotswap.config.json`. Every key is optional: defaults live only in
 * `resolve.ts`. Objects are strict, so a misspelt key is an error that names its path.
 * Messages are written for a person; load.ts prefixes each with its key path.
 */
import * as z from 'zod';

/** A short description of a wrong value for "must be X, not Y". */
const shown = (input: unknown): string => {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  if (typeof input === 'object') return 'an object';
  return String(input);
};
const expected = (what: string) => ({ error: (issue: { input?: unknown }) => `must be ${what}, not ${shown(issue.input)}` });

const str = (what = 'a string') => z.string(expected(what));
const nonEmpty = (what = 'a non-empty string') => str(what).min(1, `must not be empty`);
const bool = () => z.boolean(expected('true or false'));
const count = () => z.int(expected('a whole number')).min(0, 'must be >= 0');
const list = (item = str()) => z.array(item, expected('an array of strings'));
const object = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, expected('an object'));
const envRecord = () =>
  z.record(str().regex(/^[^=\0]+$/, "a variable name must be non-empty and contain no '='"), str(), expected('an object of name → string value'));

// Docker's own rule for container names; anything else is refused by the engine later and less clearly.
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const containerNameMessage =
  'must be a Docker container name: a letter or digit, then letters, digits, _ . or - (at least 2 characters)';
const containerName = () => str().regex(CONTAINER_NAME, containerNameMessage);

const absolutePath = (example: string) =>
  str().regex(/^\//, `must be an absolute path inside the container, like ${example}`);

// A file's path: `/` and `dir/` name directories, `.`/`..` parts hide where it lands, control characters
// (a newline) break every line-based tool on the way.
const FILE_PATH = /^(\/[^/\x00-\x1f\x7f]+)+$/;
const filePath = (example: string) =>
  absolutePath(example)
    .regex(FILE_PATH, `must be an absolute path to a file inside the container, like ${example} (no trailing /, no control characters)`)
    .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must not contain . or .. parts');

/** An image reference: never a word Docker or a shell could read as a flag. */
export const IMAGE_NAME = /^[^-\s][^\s]*$/;
export const imageNameMessage = 'must be an image name like ollama/ollama:latest (no spaces, not starting with -)';
const imageName = (what = 'an image name') => nonEmpty(what).regex(IMAGE_NAME, imageNameMessage);

/** A number of milliseconds (or seconds) up to a sane bound: a bigger one is a typo, not a wish. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const upTo = (max: number, unit: string, what: string) => count().max(max, `must be at most ${max} ${unit} (${what})`);

// By default hotswap sends no traffic anywhere but this machine: health checks go to a published loopback port.
// From a dev container the server is on the Docker host (host.docker.internal): target.health.allowRemote says so.
const LOOPBACK_URL = /^https?:\/\/(localhost|127(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|\[::1\])(:\d{1,5})?([/?#].*)?$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/;
export const notLoopbackMessage =
  'must be an http(s) URL on this machine (localhost, 127.x.x.x or [::1]), or null: hotswap never sends traffic elsewhere ' +
  'unless target.health.allowRemote is true (for http://host.docker.internal:11434/ from a dev container)';
const httpUrl = () => z.nullable(str('an http(s) URL or null').regex(HTTP_URL, notLoopbackMessage));

// `main` is passed to `go build`; a leading '.' keeps it a relative package and never a flag.
export const MAIN_PACKAGE = /^(auto|\.(\/\S*)?)$/;
export const mainPackageMessage = "must be 'auto' or a package directory relative to the repo, like . or ./cmd/ollama";

export const BUILDER_MODES = ['auto', 'local', 'container', 'artifact'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const builderMode = () => z.enum(BUILDER_MODES, { error: (i) => `unknown builder ${shown(i.input)}: use auto, local, container or artifact` });
const logLevel = () => z.enum(LOG_LEVELS, { error: (i) => `unknown log level ${shown(i.input)}: use ${LOG_LEVELS.join(', ')}` });

const PORT_MAPPING = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d{1,5}(-\d{1,5})?)?:?\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/;
const GO_SYMBOL = /^[^\s=]+\.[A-Za-z_][A-Za-z0-9_]*$/;

const watchSchema = object({
  paths: list().describe('Directories to watch, relative to the repo.').optional(),
  ignore: list().describe('Glob patterns (relative to the repo) whose changes never trigger a run.').optional(),
  debounceMs: upTo(MINUTE_MS, 'ms', 'a minute').describe('Quiet period after the last change before a run starts.').optional(),
  maxWaitMs: upTo(HOUR_MS, 'ms', 'an hour').describe('A stream of changes starts a run after at most this long.').optional(),
  poll: bool().describe('Poll the file system instead of using inotify (network mounts).').optional(),
  minRestartIntervalMs: upTo(HOUR_MS, 'ms', 'an hour').describe('Group restarts: at most one swap per this interval.').optional(),
});

const buildSchema = object({
  mode: builderMode().describe('auto (local Go, else the builder container), local, container or artifact.').optional(),
  output: nonEmpty().describe('Where the built binary is written on the host, relative to the repo.').optional(),
  env: envRecord().describe('Environment for `go build`.').optional(),
  flags: list().describe('Extra `go build` flags.').optional(),
  ldflags: str().describe('Linker flags; the version stamp is appended.').optional(),
  tags: list(str().regex(/^[^\s,]+$/, 'a build tag must not contain spaces or commas')).describe('Go build tags (-tags).').optional(),
  versionVar: z
    .nullable(str('a Go symbol or null').regex(GO_SYMBOL, 'must be a Go package path and variable, like github.com/ollama/ollama/version.Version'))
    .describe('Variable stamped through -X with the dev version; null stamps nothing.')
    .optional(),
  versionBase: nonEmpty().regex(/^\S+$/, 'must not contain spaces').describe('Base of the stamp <base>-hotswap.<tree8>.').optional(),
  builderImage: imageName().describe('Image of the builder container. Default (computed): golang:<major.minor>-bookworm from go.mod\'s go line (official golang images build only their own release and older).').optional(),
  builderContainer: containerName().describe('Name of the long-lived builder container.').optional(),
  dockerfile: nonEmpty().describe('Dockerfile of the artifact builder, relative to the repo.').optional(),
  target: z.nullable(nonEmpty('a build stage name or null')).describe('Dockerfile stage of the artifact builder.').optional(),
  artifactPath: absolutePath('/ollama-dev').describe('Path of the binary inside the artifact image.').optional(),
  sync: bool().describe('Copy the source into the builder container instead of bind-mounting it (a remote Docker host).').optional(),
  hostRepo: z.nullable(nonEmpty('a path or null')).describe('The repo path as the Docker host sees it (bind mounts).').optional(),
});

const createSchema = object({
  network: z.nullable(nonEmpty('a network name or null')).describe('docker run --network; null: the default bridge.').optional(),
  ports: list(str().regex(PORT_MAPPING, 'must be a Docker port mapping, like 11434:11434 or 127.0.0.1:11434:11434'))
    .describe('docker run -p mappings.').optional(),
  env: envRecord().describe('docker run -e variables.').optional(),
  volumes: list(nonEmpty()).describe('docker run -v mounts.').optional(),
  gpus: z.nullable(nonEmpty('a --gpus value like "all", or null')).describe('docker run --gpus; null: none.').optional(),
  command: z.nullable(list(nonEmpty()))
    .describe('The command the container runs, as an argv (e.g. ["/usr/bin/ollama", "serve"]); null: the image\'s own CMD.')
    .optional(),
});

const healthSchema = object({
  url: httpUrl().describe('Polled after a restart until it answers 2xx; null skips it. On this machine unless allowRemote.').optional(),
  versionUrl: httpUrl().describe('Must report the stamped version; null skips it. On this machine unless allowRemote.').optional(),
  timeoutMs: upTo(HOUR_MS, 'ms', 'an hour').describe('How long the new binary has to answer before verify fails.').optional(),
  intervalMs: upTo(MINUTE_MS, 'ms', 'a minute').describe('How often the health URL is polled.').optional(),
  allowRemote: bool().describe('Allow health URLs on another host, such as http://host.docker.internal:11434/ from a dev container.').optional(),
}).superRefine((health, ctx) => {
  if (health.allowRemote) return;
  for (const key of ['url', 'versionUrl'] as const) {
    const url = health[key];
    if (typeof url === 'string' && HTTP_URL.test(url) && !LOOPBACK_URL.test(url)) ctx.addIssue({ code: 'custom', path: [key], message: notLoopbackMessage });
  }
});

const targetSchema = object({
  container: containerName().describe('The container whose binary is swapped.').optional(),
  image: z.nullable(imageName('an image name or null')).describe('Started as the container when it does not exist.').optional(),
  binaryPath: filePath('/usr/bin/ollama').describe('The binary inside the container.').optional(),
  create: createSchema.describe('How a missing container is started from `image`.').optional(),
  restart: bool().describe('Restart the container after the swap.').optional(),
  stopTimeoutS: upTo(3600, 's', 'an hour').describe('Seconds the server has to stop before it is killed on restart.').optional(),
  verify: bool().describe('Check the hash in the container and what the health URLs serve.').optional(),
  rollbackOnFail: bool().describe('Restore the backup when verify fails. Requires verify: a rollback is decided by verifying. Default: verify.').optional(),
  keepBackups: count().describe('Backups kept besides the original (the first one taken).').optional(),
  writeFromHost: bool()
    .describe('Write the new binary into the container from the host itself (through /proc/<pid>/root) when the engine runs on this machine and hotswap may reach its processes; false always uploads it through the engine.')
    .optional(),
  backupDir: absolutePath('/tmp').describe('Where backups are kept in the container; it needs room for one binary per backup.').optional(),
  lockTimeoutMs: upTo(HOUR_MS, 'ms', 'an hour')
    .describe('How long a swap waits for another run swapping into the same container (default 10 minutes).')
    .optional(),
  health: healthSchema.describe('How a restarted server is checked.').optional(),
});

// A target's name keys its state and is what output and --container call it: a container name's characters,
// but one is enough.
const TARGET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const targetName = () => str().regex(TARGET_NAME, 'must be a letter or digit, then letters, digits, _ . or -');
const mainPackage = () => str().regex(MAIN_PACKAGE, mainPackageMessage);

/** One binary and its container: the top-level `main`, `target` and `build` are its defaults. */
const targetEntrySchema = object({
  name: targetName().describe('Names the target in output, state and --container; default: its container.').optional(),
  main: mainPackage().describe('The main package of this binary, like ./cmd/worker.').optional(),
  ...targetSchema.shape,
  build: buildSchema
    .pick({ output: true, tags: true, ldflags: true, env: true, flags: true, versionVar: true, artifactPath: true, target: true })
    .describe('The build keys of this binary; the others are shared (top-level build).')
    .optional(),
});

const planSchema = object({
  imageInputs: list()
    .describe('Globs (relative to the repo) of files that go into the image, not the binary: a change to them alone is not swapped.')
    .optional(),
});

const notifySchema = object({
  desktop: bool().describe('Desktop notifications of failures and recoveries.').optional(),
  command: z
    .nullable(
      z
        .array(str(), expected('an argument array like ["notify-send", "hotswap"], or null'))
        .min(1, 'must name a program: an empty array runs nothing')
        .refine((argv) => argv[0] !== '', 'the first item is the program and must not be empty'),
    )
    .describe('A program and its arguments run to notify, instead of or beside the desktop; never through a shell.')
    .optional(),
});

export const fileSchema = object({
  $schema: str().describe('The JSON schema editors check this file with.').optional(),
  repo: nonEmpty().describe('The Go repository, relative to this file.').optional(),
  main: mainPackage().describe('The main package; auto: ./cmd/ollama if main, else .').optional(),
  watch: watchSchema.describe('What `hotswap watch` watches, and how often it runs.').optional(),
  build: buildSchema.describe('How the binary is built.').optional(),
  target: targetSchema.describe('The container and the binary in it.').optional(),
  targets: z
    .array(targetEntrySchema, expected('an array of targets'))
    .min(1, 'must list at least one target (or leave it out for the single top-level one)')
    .describe('Several binaries and containers, each overriding the top-level main, target and build.')
    .optional(),
  plan: planSchema.describe('What the planner counts as no binary input.').optional(),
  notify: notifySchema.describe('How failures are announced.').optional(),
  logLevel: logLevel().describe('Level of .hotswap/hotswap.log.').optional(),
});

/** What a valid `hotswap.config.json` holds: every key optional. */
export type FileConfig = z.infer<typeof fileSchema>;
