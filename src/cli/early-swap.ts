/**
 * `hotswap swap`'s head start (pipeline/head-start.ts), begun by dist/cli.js before it loads the program:
 * compiling it and setting commander up take ~25 ms that `go build` then runs through. Only for a command
 * line read here with certainty; any other (a flag unknown here, old-style flags, help) waits for the
 * program, which makes the head start itself. A wrong guess costs nothing but the guess: the run takes the
 * build only when it is exactly the build it wants, and the program stops any build no command took.
 */
import type { HeadStart } from '../pipeline/head-start.js';

/** The swap flags that take a value, as the program defines them (program.ts). */
const VALUED = new Set(['--config', '--repo', '--container', '-H', '--host', '--log-level', '--main', '--image', '--builder', '--rev']);
const SWITCHES = new Set([
  '--json', '--quiet', '--force-builder', '--no-local', '--restart', '--no-restart', '--verify', '--no-verify',
  '--rollback-on-fail', '--no-rollback-on-fail', '--keep-backup', '--if-changed', '--no-daemon',
]);
/** Flag names as commander's options hold them: the head start reads these. */
const KEYS: Record<string, string> = { '--config': 'config', '--repo': 'repo', '--rev': 'rev', '--no-daemon': 'daemon' };

/**
 * The flags of a `hotswap swap` command line that the head start needs (`config`, `repo`, `rev`, `daemon`),
 * or null when `argv` is not plainly one.
 */
export function swapFlagsOf(argv: readonly string[]): Record<string, unknown> | null {
  const flags: Record<string, unknown> = {};
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const name = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : undefined;
    if (VALUED.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('-')) return null;
      if (KEYS[name]) flags[KEYS[name]] = value;
    } else if (SWITCHES.has(name) && inline === undefined) {
      if (name === '--no-daemon') flags.daemon = false;
    } else if (command === null && name === 'swap') {
      command = name;
    } else {
      return null;
    }
  }
  return command ? flags : null;
}

/** The head start of `argv`'s swap, unless it is not plainly one or this repo's watch daemon may run it. */
export async function earlyHeadStart(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<HeadStart | null> {
  const flags = swapFlagsOf(argv);
  if (!flags) return null;
  const [{ findStateFile }, { daemonAllowed, SOCKET_NAME }, { headStart }] = await Promise.all([
    import('../state/store.js'), import('../daemon/socket-protocol.js'), import('../pipeline/head-start.js'),
  ]);
  // A daemon's socket: the daemon may take this swap (its client asks it, in the program).
  if (daemonAllowed(flags, env) && findStateFile(SOCKET_NAME, flags, cwd)) return null;
  return headStart(flags, cwd).catch(() => null);
}
