/**
 * Several targets (`targets` in the file): each entry merged over the top-level `main`, `target` and
 * `build`, names, containers and outputs kept apart, `--container` picking one, and one target's view of
 * the config. Pure; the defaults stay in resolve.ts.
 */
import type { ConfigProblem } from './load.js';
import type { FileConfig } from './schema.js';
import type { ResolvedConfig, ResolvedTarget } from './types.js';

type FileTargetKeys = NonNullable<FileConfig['target']>;
type FileBuildKeys = NonNullable<FileConfig['build']>;

/** What the file says about one target, the top level merged in; no defaults yet. */
export interface FileTarget {
  /** Its key path in the file: `targets[1]`, or `target` for the top-level one. */
  readonly where: string;
  readonly name: string | undefined;
  readonly main: string | undefined;
  readonly target: FileTargetKeys;
  readonly build: FileBuildKeys;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` on top of `base`: nested objects (health, create, env) merge, anything else replaces. */
function merge<T extends Record<string, unknown>>(base: T, over: object): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const under = out[key];
    out[key] = isPlainObject(under) && isPlainObject(value) ? merge(under, value) : value;
  }
  return out as T;
}

/** The targets a file declares: its `targets` over the top level, or the top level alone. */
export function fileTargets(file: FileConfig): { entries: FileTarget[]; problems: ConfigProblem[] } {
  const top = { main: file.main, target: file.target ?? {}, build: file.build ?? {} };
  if (!file.targets) return { entries: [{ where: 'target', name: undefined, ...top }], problems: [] };
  const several = file.targets.length > 1;
  // Two builds must never write the same file: with several targets each one has its own output.
  const { output, ...sharedBuild } = top.build;
  const problems = several && output !== undefined
    ? [{ where: 'build.output', message: 'with several targets each needs its own: set targets[].build.output, or leave it out for .hotswap/bin/<name>' }]
    : [];
  const entries = file.targets.map(({ name, main, build = {}, ...target }, i) => ({
    where: `targets[${i}]`,
    name,
    main: main ?? top.main,
    target: merge(top.target, target),
    build: merge(several ? sharedBuild : top.build, build),
  }));
  return { entries, problems };
}

const label = (entry: FileTarget, target: ResolvedTarget) => `${entry.where} (${target.name})`;

/** Two targets never share a container, a name or a built file; each problem names both entries. */
export function duplicateProblems(entries: readonly FileTarget[], targets: readonly ResolvedTarget[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  targets.forEach((t, i) => {
    const entry = entries[i]!;
    const earlier = (same: (u: ResolvedTarget) => boolean) => {
      const j = targets.findIndex((u, k) => k < i && same(u));
      return j < 0 ? null : label(entries[j]!, targets[j]!);
    };
    const container = earlier((u) => u.target.container === t.target.container);
    const name = container ? null : earlier((u) => u.name === t.name);
    const output = container || name ? null : earlier((u) => u.build.output === t.build.output);
    if (container) problems.push({ where: `${entry.where}.container`, message: `"${t.target.container}" is also the container of ${container}: each target needs its own` });
    if (name) problems.push({ where: `${entry.where}.name`, message: `"${t.name}" is also the name of ${name}: names must be unique` });
    if (output) problems.push({ where: `${entry.where}.build.output`, message: `${t.build.output} is also the output of ${output}: two builds must not write one file` });
  });
  return problems;
}

/** `--container X` with `targets`: the target whose container or name is X. */
export function selectTarget(targets: readonly ResolvedTarget[], selector: string): ResolvedTarget | ConfigProblem {
  const found = targets.find((t) => t.target.container === selector || t.name === selector);
  if (found) return found;
  const known = targets.map((t) => (t.name === t.target.container ? t.name : `${t.name} (${t.target.container})`)).join(', ');
  return { where: `--container ${JSON.stringify(selector)}`, message: `no such target; the config has ${known}` };
}

/** The config as one target sees it: its main, target and build, and it alone in `targets`. */
export const configForTarget = (config: ResolvedConfig, target: ResolvedTarget): ResolvedConfig =>
  Object.freeze({ ...config, main: target.main, target: target.target, build: target.build, targets: [target] as const });
