/**
 * The defaults `hotswap <command> --help` shows: what the config in effect gives (found as the command would
 * find it), else the built-in ones. Loaded only when help is asked for: resolving the config needs zod.
 */
import { DEFAULTS, resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';

export interface HelpDefaults {
  readonly container: string;
  readonly main: string;
  readonly builder: string;
  readonly debounceMs: number;
  readonly minRestartIntervalMs: number;
  readonly logLevel: string;
  readonly restart: boolean;
  readonly verify: boolean;
  /** Where they come from, for the help text: the config file, or "built in". */
  readonly from: string;
}

export const BUILT_IN: HelpDefaults = {
  container: DEFAULTS.target.container,
  main: DEFAULTS.main,
  builder: DEFAULTS.build.mode,
  debounceMs: DEFAULTS.watch.debounceMs,
  minRestartIntervalMs: DEFAULTS.watch.minRestartIntervalMs,
  logLevel: DEFAULTS.output.logLevel,
  restart: DEFAULTS.target.restart,
  verify: DEFAULTS.target.verify,
  from: 'built in',
};

const fromConfig = (c: ResolvedConfig): HelpDefaults => ({
  container: c.targets.length > 1 ? `every target: ${c.targets.map((t) => t.name).join(', ')}` : c.target.container,
  main: c.main,
  builder: c.build.mode,
  debounceMs: c.watch.debounceMs,
  minRestartIntervalMs: c.watch.minRestartIntervalMs,
  logLevel: c.output.logLevel,
  restart: c.target.restart,
  verify: c.target.verify,
  from: c.configFile ?? 'built in',
});

/** `--config FILE` or `--config=FILE` in argv, for help that follows the config the command would read. */
export const configFlagOf = (argv: readonly string[]): string | undefined => {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
};

/** The config's defaults; a config that cannot be read gives the built-in ones (its errors belong to the command). */
export function helpDefaults(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): HelpDefaults {
  try {
    return fromConfig(resolveConfig({ flags: { config: configFlagOf(argv) }, cwd, env }));
  } catch {
    return BUILT_IN;
  }
}
