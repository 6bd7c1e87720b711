/**
 * File + flags + environment → one frozen ResolvedConfig. The only place that knows a default
 * (ARCHITECTURE.md, config/). Every input is validated before anything touches Docker, and all problems found are
 * reported in one usage error (exit 2, every bad key path, not only the first).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseGoModVersion } from '../toolchain/go-version.js';
import { usageError } from '../errors.js';
import { findConfigFile, readConfigFile, SCHEMA_HINT } from './load.js';
import {
  BUILDER_MODES, CONTAINER_NAME, containerNameMessage, HOUR_MS, IMAGE_NAME, imageNameMessage, LOG_LEVELS, MAIN_PACKAGE,
  mainPackageMessage, MINUTE_MS, type FileConfig,
} from './schema.js';
import { duplicateProblems, fileTargets, selectTarget, type FileTarget } from './targets.js';
import type { BuilderMode, LogLevel, PipelineFlags, ResolvedConfig, ResolvedTarget } from './types.js';

/** Every default, once: resolveConfig applies them, gen-schema writes them into the JSON schema, help shows them. */
export const DEFAULTS = deepFreeze({
  repo: '.',
  main: 'auto',
  watch: { paths: ['.'], ignore: [], debounceMs: 200, maxWaitMs: 2000, poll: false, minRestartIntervalMs: 0 },
  build: {
    mode: 'auto', output: '.hotswap/bin/ollama-dev', env: { CGO_ENABLED: '1' }, flags: ['-trimpath', '-buildvcs=false'],
    ldflags: '-w -s', tags: [], versionVar: 'github.com/ollama/ollama/version.Version', versionBase: '0.0.0',
    builderContainer: 'ollama-build', dockerfile: 'Dockerfile.dev', target: null,
    artifactPath: '/ollama-dev', sync: false, hostRepo: null,
  },
  target: {
    container: 'ollama-gpu', image: null, binaryPath: '/usr/bin/ollama', restart: true, stopTimeoutS: 10, verify: true,
    keepBackups: 3, writeFromHost: true, keepBackup: false, backupDir: '/tmp', lockTimeoutMs: 600_000, // rollbackOnFail: defaults to `verify` (see rollbackOnFail below)
    create: { network: null, ports: ['11434:11434'], env: {}, volumes: [], gpus: null, command: null },
    health: { url: 'http://127.0.0.1:11434/', versionUrl: 'http://127.0.0.1:11434/api/version', timeoutMs: 20000, intervalMs: 25, allowRemote: false },
  },
  plan: { imageInputs: [] },
  notify: { desktop: true, command: null },
  output: { quiet: false, json: false, logLevel: 'info' },
} as const);

type Source = 'file' | 'flag' | 'env';
interface Problem { source: Source; where: string; message: string }

export interface ResolveInput {
  flags: PipelineFlags;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function resolveConfig({ flags, cwd, env }: ResolveInput): ResolvedConfig {
  const problems: Problem[] = [];
  const configFile = flags.config !== undefined ? resolve(cwd, flags.config) : findConfigFile(cwd);
  const file = configFile === null ? {} : fileOrProblems(configFile, problems);
  const selects = file.targets !== undefined; // with `targets`, --container picks one instead of naming it
  const fromFlags = checkFlags(flags, selects, problems);
  const repo = resolveRepo(flags, file, cwd, configFile ? dirname(configFile) : cwd, problems);
  const targets = resolveTargets(file, { ...flags, builder: fromFlags.builder }, repo, problems);
  const logLevel = fromFlags.logLevel ?? envLogLevel(env, problems) ?? file.logLevel ?? DEFAULTS.output.logLevel;
  if (problems.length > 0) throw problemsError(problems, configFile);

  const [first] = targets;
  return deepFreeze({
    configFile,
    repo,
    main: first.main,
    watch: resolveWatch(file, fromFlags, repo),
    build: first.build,
    target: first.target,
    targets,
    plan: { ...DEFAULTS.plan, ...file.plan },
    notify: { ...DEFAULTS.notify, ...file.notify },
    output: { quiet: flags.quiet ?? DEFAULTS.output.quiet, json: flags.json ?? DEFAULTS.output.json, logLevel },
  });
}

type ParsedFlags = ReturnType<typeof checkFlags>;
type TargetFlags = Omit<PipelineFlags, 'builder'> & { builder: BuilderMode | undefined };

/** Every declared target resolved and checked, then those --container selects (all without it). */
function resolveTargets(file: FileConfig, flags: TargetFlags, repo: string, problems: Problem[]): ResolvedConfig['targets'] {
  const { entries, problems: fileProblems } = fileTargets(file);
  const several = entries.length > 1;
  // At least one: the top level, or the schema's min(1) on `targets`.
  const declared = entries.map((entry) => resolveTarget(entry, flags, repo, several, problems)) as unknown as ResolvedConfig['targets'];
  declared.forEach((t, i) => checkOutput(t.build.output, repo, entries[i]!.where, problems));
  problems.push(...[...fileProblems, ...duplicateProblems(entries, declared)].map((p) => ({ source: 'file' as const, ...p })));
  if (several && flags.container === undefined) {
    // Each names one target's binary or image: applied to all, every target would build or run the same.
    for (const [flag, given] of [['--main', flags.main], ['--image', flags.image]] as const) {
      if (given !== undefined) problems.push({ source: 'flag', where: flag, message: 'with several targets, pick the one it is for with --container' });
    }
  }
  if (file.targets === undefined || flags.container === undefined) return declared;
  const selected = selectTarget(declared, flags.container);
  if ('where' in selected) problems.push({ source: 'flag', ...selected });
  return 'where' in selected ? declared : [selected];
}

/** One target: the file's keys (the top level merged in) over the defaults, then the flags. */
function resolveTarget(entry: FileTarget, flags: TargetFlags, repo: string, several: boolean, problems: Problem[]): ResolvedTarget {
  const target = { ...DEFAULTS.target, ...entry.target };
  const verify = flags.verify ?? target.verify;
  const legacy = entry.where === 'target'; // no `targets`: --container names the container, as it always did
  const container = (legacy ? flags.container : undefined) ?? target.container;
  const name = entry.name ?? container;
  return {
    name,
    main: flags.main ?? entry.main ?? DEFAULTS.main,
    target: {
      ...target,
      container,
      image: flags.image ?? target.image,
      create: { ...DEFAULTS.target.create, ...entry.target.create },
      health: { ...DEFAULTS.target.health, ...entry.target.health },
      restart: flags.restart ?? target.restart,
      verify,
      rollbackOnFail: resolveRollback(flags, entry, verify, problems),
      keepBackup: flags.keepBackup ?? DEFAULTS.target.keepBackup,
    },
    build: resolveBuild(entry.build, flags, repo, several ? `.hotswap/bin/${name}` : DEFAULTS.build.output),
  };
}

function resolveWatch(file: FileConfig, fromFlags: ParsedFlags, repo: string): ResolvedConfig['watch'] {
  const watch = { ...DEFAULTS.watch, ...file.watch };
  return {
    ...watch,
    paths: watch.paths.map((p) => resolve(repo, p)),
    debounceMs: fromFlags.debounceMs ?? watch.debounceMs,
    minRestartIntervalMs: fromFlags.minRestartIntervalMs ?? watch.minRestartIntervalMs,
  };
}

function resolveBuild(fileBuild: FileTarget['build'], flags: TargetFlags, repo: string, output: string): ResolvedConfig['build'] {
  const build = { ...DEFAULTS.build, ...fileBuild };
  const builder = fileBuild.builderImage !== undefined
    ? { builderImage: fileBuild.builderImage, builderImageWhy: 'build.builderImage' }
    : builderImageFor(parseGoModVersion(readGoMod(repo)));
  return {
    ...build,
    ...builder,
    mode: builderMode(flags.builder ?? build.mode, flags.local),
    output: resolve(repo, fileBuild.output ?? output),
    dockerfile: resolve(repo, build.dockerfile),
  };
}

/**
 * The default builder image follows go.mod's go line: official golang images set GOTOOLCHAIN=local, so
 * only an image of that release (or newer) can build the module. Without a go line, the newest image.
 */
export function builderImageFor(goLine: string | null): Pick<ResolvedConfig['build'], 'builderImage' | 'builderImageWhy'> {
  const release = goLine?.match(/^(\d+\.\d+)/)?.[1];
  return release
    ? { builderImage: `golang:${release}-bookworm`, builderImageWhy: `go.mod's go ${goLine}` }
    : { builderImage: 'golang:bookworm', builderImageWhy: 'go.mod has no go line' };
}

const readGoMod = (repo: string): string => {
  try {
    return readFileSync(join(repo, 'go.mod'), 'utf8');
  } catch {
    return ''; // no go.mod: the main-package check reports it
  }
};

/**
 * The built binary is written, replaced and chmod-ed at build.output: a config from a cloned repo must not
 * aim that at its go.mod, or outside the repo. It belongs in hotswap's own `.hotswap/`.
 */
function checkOutput(output: string, repo: string, where: string, problems: Problem[]): void {
  const inside = relative(resolve(repo, '.hotswap'), output);
  if (inside && !inside.startsWith('..') && !isAbsolute(inside)) return;
  const key = where === 'target' ? 'build.output' : `${where}.build.output`;
  problems.push({ source: 'file', where: key, message: `must be a file inside .hotswap/, like .hotswap/bin/ollama-dev, not ${output}` });
}

function fileOrProblems(path: string, problems: Problem[]): FileConfig {
  const result = readConfigFile(path); // throws for a missing file or bad JSON: nothing else to check then
  if ('config' in result) return result.config;
  problems.push(...result.problems.map((p) => ({ source: 'file' as const, ...p })));
  return {};
}

/** Validates the flags that carry values; returns the parsed ones. */
function checkFlags(flags: PipelineFlags, selects: boolean, problems: Problem[]) {
  const bad = (where: string, message: string) => problems.push({ source: 'flag', where, message });
  const quoted = (value: string) => JSON.stringify(value);
  if (flags.container !== undefined && !selects && !CONTAINER_NAME.test(flags.container)) bad(`--container ${quoted(flags.container)}`, containerNameMessage);
  if (flags.main !== undefined && !MAIN_PACKAGE.test(flags.main)) bad(`--main ${quoted(flags.main)}`, mainPackageMessage);
  if (flags.image !== undefined && flags.image.trim() === '') bad('--image', 'must name an image, like ollama/ollama');
  else if (flags.image !== undefined && !IMAGE_NAME.test(flags.image)) bad(`--image ${quoted(flags.image)}`, imageNameMessage);
  const builder = oneOf(BUILDER_MODES, flags.builder);
  if (flags.builder !== undefined && !builder) bad('--builder', `unknown builder '${flags.builder}': use auto, local, container or artifact`);
  if (flags.forceBuilder && flags.builder !== undefined && flags.builder !== 'container') {
    bad('--force-builder', `means --builder container and conflicts with --builder ${flags.builder}`);
  }
  if (flags.local === false && builder === 'local') bad('--no-local', 'conflicts with --builder local: pick one');
  const logLevel = oneOf(LOG_LEVELS, flags.logLevel);
  if (flags.logLevel !== undefined && !logLevel) bad('--log-level', `unknown log level '${flags.logLevel}': use ${LOG_LEVELS.join(', ')}`);
  return {
    builder: builder ?? (flags.forceBuilder ? 'container' : undefined),
    logLevel,
    debounceMs: milliseconds('--debounce', flags.debounce, MINUTE_MS, bad),
    minRestartIntervalMs: milliseconds('--min-restart-interval', flags.minRestartInterval, HOUR_MS, bad),
  };
}

const oneOf = <T extends string>(allowed: readonly T[], value: string | undefined): T | undefined =>
  allowed.find((a) => a === value);

function milliseconds(flag: string, value: string | undefined, max: number, bad: (where: string, message: string) => void) {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isSafeInteger(ms) && ms <= max) return ms;
  bad(`${flag} ${JSON.stringify(value)}`, `must be a whole number of milliseconds from 0 to ${max}`);
  return undefined;
}

// --no-local never uses the local toolchain: auto falls back to the builder container.
const builderMode = (mode: BuilderMode, local: boolean | undefined): BuilderMode =>
  local === false && (mode === 'auto' || mode === 'local') ? 'container' : mode;

/** --repo is relative to the cwd; the file's `repo` to the file; else the file's directory (or the cwd). */
function resolveRepo(flags: PipelineFlags, file: FileConfig, cwd: string, configDir: string, problems: Problem[]): string {
  if (flags.repo !== undefined) return checkDirectory(resolve(cwd, flags.repo), { source: 'flag', where: '--repo' }, problems);
  return checkDirectory(resolve(configDir, file.repo ?? DEFAULTS.repo), { source: 'file', where: 'repo' }, problems);
}

function checkDirectory(dir: string, origin: Omit<Problem, 'message'>, problems: Problem[]): string {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (!stats?.isDirectory()) problems.push({ ...origin, message: `${dir} ${stats ? 'is not a directory' : 'does not exist'}` });
  return dir;
}

/** Rollback follows verify unless set; it cannot be on without verify (it is decided by verifying). */
function resolveRollback(flags: TargetFlags, entry: FileTarget, verify: boolean, problems: Problem[]): boolean {
  if (flags.rollbackOnFail !== undefined) {
    if (flags.rollbackOnFail && !verify) {
      const why = flags.verify === false ? '' : `, but ${entry.where}.verify is false in the config file`;
      problems.push({ source: 'flag', where: '', message: `--rollback-on-fail requires --verify (a rollback is decided by verifying)${why}` });
    }
    return flags.rollbackOnFail;
  }
  if (flags.verify === false) return false; // the flag wins over a file that asks for rollbacks
  const fromFile = entry.target.rollbackOnFail;
  if (fromFile && !verify) {
    problems.push({ source: 'file', where: `${entry.where}.rollbackOnFail`, message: `requires ${entry.where}.verify: true (a rollback is decided by verifying)` });
  }
  return fromFile ?? verify;
}

function envLogLevel(env: NodeJS.ProcessEnv, problems: Problem[]): LogLevel | undefined {
  const value = env.HOTSWAP_LOG_LEVEL;
  if (value === undefined || value === '') return undefined;
  const level = oneOf(LOG_LEVELS, value);
  if (!level) problems.push({ source: 'env', where: 'HOTSWAP_LOG_LEVEL', message: `unknown log level '${value}': use ${LOG_LEVELS.join(', ')}` });
  return level;
}

function problemsError(problems: readonly Problem[], configFile: string | null) {
  // One flag can break every target the same way: say it once.
  const list = (source: Source) =>
    [...new Set(problems.filter((p) => p.source === source).map((p) => (p.where ? `${p.where}: ${p.message}` : p.message)))].join('; ');
  const groups: [Source, string, string][] = [
    ['file', `invalid config ${configFile ?? ''}`, SCHEMA_HINT],
    ['flag', 'invalid flags', 'fix these flags (hotswap <command> --help lists them)'],
    ['env', 'invalid environment', 'fix or unset these variables'],
  ];
  const present = groups.filter(([source]) => problems.some((p) => p.source === source));
  return usageError(present.map(([source, title]) => `${title}: ${list(source)}`).join('. '), {
    hint: present.map(([, , hint]) => hint).join('; '),
    phase: 'config',
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
