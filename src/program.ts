/** The command line: parses flags, runs one command, maps its outcome to exit codes 0/1/2/3 (README). */
import { Command, CommanderError, Option } from 'commander';
import type { HelpDefaults } from './cli/help-defaults.js';
import type { HeadStart } from './pipeline/head-start.js';
import { isHotswapError, messageOf, usageError } from './errors.js';
import { translateLegacyFlags } from './legacy-flags.js';
import { errorLine } from './ui/terminal.js';

type Action = (options: Record<string, unknown>) => Promise<number>;
// Each command is imported when it runs: a one-shot command loads only what it uses (`plan` neither
// dockerode nor pino; nothing but `watch` loads chokidar), and imports are most of a start-up's time.

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new CommanderError(2, 'hotswap.badNumber', `${name} takes a whole number, not '${value}'`);
  return Number(value);
};

const nonEmpty = (name: string) => (value: string) => {
  if (value.trim() === '') throw new CommanderError(2, 'hotswap.emptyValue', `${name} takes a name, not an empty string`);
  return value;
};

/** A command whose output is not JSON: `--json` is refused (exit 2) rather than ignored. */
function withoutJson(command: Command): Command {
  return command.hook('preAction', (_, action) => {
    if (action.opts().json) throw new CommanderError(2, 'hotswap.noJson', `\`hotswap ${action.name()}\` has no JSON output: drop --json`);
  });
}

/** " (default: X)" in help, where X is what the config in effect gives; nothing outside help (`d` is null). */
const shows = (d: HelpDefaults | null, key: Exclude<keyof HelpDefaults, 'from'>) =>
  d ? ` (default: ${d[key]}${d.from === 'built in' ? '' : `, from ${d.from}`})` : '';

/** Flags every command that reads the config shares; listed after the command's own, also accepted before the command. */
function withCommon(command: Command, d: HelpDefaults | null): Command {
  return command
    .optionsGroup('Shared options (also before the command):')
    .option('--config <file>', 'config file (default: hotswap.config.json found upward from the cwd)')
    .option('--repo <dir>', 'the Go repository (default: the config file\'s directory)')
    .option('--container <name>', `target container; with several targets, the one to use${shows(d, 'container')}`)
    .option('-H, --host <url>', 'the engine: unix://PATH, ssh://[USER@]HOST[:PORT] or tcp://HOST:PORT (default: as docker chooses it)')
    .option('--json', 'machine-readable output on stdout')
    .option('--quiet', 'print errors only')
    .option('--log-level <level>', `trace, debug, info, warn, error, fatal or silent${shows(d, 'logLevel')}`);
}

/** Flags of the pipeline (`swap`, `watch`), after the command's own. */
function withPipeline(command: Command, d: HelpDefaults | null): Command {
  command
    .optionsGroup('Build and swap options:')
    .option('--main <pkg>', `main package: auto, . or ./cmd/ollama${shows(d, 'main')}`)
    .option('--image <image>', 'image to create the container from when it does not exist')
    .option('--builder <mode>', `auto, local, container or artifact${shows(d, 'builder')}`)
    .option('--force-builder', 'build in the builder container (= --builder container; old -ForceBuilder)')
    .addOption(new Option('--no-local', 'never use the local Go toolchain (old -NoWSL)'))
    .option('--restart', `restart the container after the swap${shows(d, 'restart')}`)
    .option('--no-restart', 'swap the file only; the old process keeps running')
    .option('--verify', `check the hash and what is served${shows(d, 'verify')}`)
    .option('--no-verify', 'skip the hash and health checks')
    .option('--rollback-on-fail', 'restore the backup when verify fails (default with --verify)')
    .option('--no-rollback-on-fail', 'leave the new binary in place when verify fails')
    .option('--keep-backup', 'keep every backup (no pruning to target.keepBackups)');
  return withCommon(command, d);
}

/** Each command's examples, shown at the end of its help. */
const EXAMPLES: Record<string, readonly string[]> = {
  hotswap: ['hotswap init --makefile --devcontainer', 'hotswap watch', 'hotswap --container ollama-dev swap', 'hotswap swap --help'],
  swap: ['hotswap swap', 'hotswap swap --if-changed --quiet', 'hotswap swap --rev v0.5.1', 'hotswap --container ollama-dev swap --builder container'],
  watch: ['hotswap watch', 'hotswap watch --detach', 'hotswap watch --dry-run --debounce 500'],
  bisect: [
    'hotswap bisect --good v0.5.0 --bad main -- ./scripts/generate-latency.sh',
    'hotswap bisect --good HEAD~40 --bad HEAD --json -- sh -c \'curl -sf 127.0.0.1:11434/api/tags\'',
  ],
  stop: ['hotswap stop'],
  rollback: ['hotswap rollback', 'hotswap rollback --to ollama.backup_20260101-120000'],
  backups: ['hotswap backups', 'hotswap backups --prune 1'],
  logs: ['hotswap logs -n 50', 'hotswap logs -f'],
  plan: ['hotswap plan', 'hotswap plan --from HEAD~3 --to HEAD --json'],
  init: ['hotswap init', 'hotswap init --makefile --devcontainer'],
  doctor: ['hotswap doctor', 'hotswap doctor --json'],
  status: ['hotswap status', 'hotswap status --json'],
  completion: ['source <(hotswap completion bash)', 'hotswap completion fish | source'],
};

const examplesOf = (name: string) => `\nExamples:\n${(EXAMPLES[name] ?? []).map((e) => `  $ ${e}`).join('\n')}\n`;

type Run = (action: Action) => (options: Record<string, unknown>, command: Command) => Promise<void>;

/** `bisect --good A --bad B -- CMD…`: the words after `--` are the command run at each step. */
function addBisect(command: Command, run: Run, d: HelpDefaults | null): void {
  withPipeline(command
    .requiredOption('--good <rev>', 'a revision that works', nonEmpty('--good'))
    .requiredOption('--bad <rev>', 'a later revision that does not', nonEmpty('--bad'))
    .argument('[command...]', 'after --: run at each step; exit 0 good, 125 skip, 1–127 bad, over 127 stops'), d)
    .action((words: string[], o: Record<string, unknown>, c: Command) =>
      run(async (opts) => (await import('./commands/bisect.js')).bisectCommand({ ...opts, good: String(opts.good), bad: String(opts.bad), command: words }))(o, c));
}

/** The head start dist/cli.js began before the program loaded (src/cli/early-swap.ts), for the swap to take once. */
type TakeHeadStart = () => HeadStart | null;

/**
 * A swap in this process: its build's head start (pipeline/head-start.ts) is under way before the swap
 * command's modules load (their compiling would hold it back), so `go build` runs while they do. The one
 * begun before the program loaded is taken unless these flags build another tree (`--rev`).
 */
async function swapHere(flags: Record<string, unknown>, takeEarly: TakeHeadStart): Promise<number> {
  let early = takeEarly();
  if (early && flags.rev !== undefined) {
    early.abandon();
    early = null;
  }
  early ??= await (await import('./pipeline/head-start.js')).headStart(flags, process.cwd()).catch(() => null);
  try {
    return await (await import('./commands/swap.js')).swapCommand(flags, early);
  } catch (e) {
    // Failed before its run took the build (a bad config, say): a `go build` must not outlive the process.
    early?.abandon();
    throw e;
  }
}

function addSwap(command: Command, run: Run, d: HelpDefaults | null, takeEarly: TakeHeadStart): void {
  withPipeline(command
    .option('--if-changed', 'skip when no binary input changed since the last build')
    .option('--rev <rev>', 'build this commit, branch or tag instead of the work tree (no checkout)', nonEmpty('--rev'))
    .option('--no-daemon', 'run in this process even when `hotswap watch` runs for this repo (also HOTSWAP_NO_DAEMON=1); '
      + 'by default that daemon runs it, unless a flag or the config file makes its config differ from the daemon\'s'), d)
    // The daemon's client first: it loads no Docker, log or config code unless the daemon is not there.
    .action(run(async (o) => (await (await import('./daemon/client.js')).swapThroughDaemon(o)) ?? swapHere(o, takeEarly)));
}

function addWatch(command: Command, run: Run, d: HelpDefaults | null): void {
  withPipeline(command
    .option('--dry-run', 'plan and report only: never build or swap')
    .option('--detach', 'run in the background (output in .hotswap/watch.out) and return once watching')
    .option('--no-initial', 'do not bring the container up to date at start')
    .option('--debounce <ms>', `quiet period before a build (watch.debounceMs)${shows(d, 'debounceMs')}`)
    .option('--min-restart-interval <ms>', `at least this long between two runs (groups restarts)${shows(d, 'minRestartIntervalMs')}`)
    .option('-v, --verbose', 'every phase and the compiler output, not one line per run'), d)
    .action(run(async (o) => (await import('./commands/watch.js')).watchCommand(o)));
}

function build(version: string, run: Run, d: HelpDefaults | null, takeEarly: TakeHeadStart): Command {
  const program = new Command('hotswap')
    .description('Build a Go server, swap it into its running container, verify, roll back on failure.')
    .version(version)
    .showSuggestionAfterError(true)
    // The shared flags before the command are the program's; after it, the command's own.
    .enablePositionalOptions()
    // Subcommands inherit these, so set them first. Commander's own "error: …" lines are replaced by ours
    // (a line and a hint); its help text is kept.
    .exitOverride()
    .configureOutput({ writeErr: (text) => { if (!text.startsWith('error:')) process.stderr.write(text); } });
  withCommon(program, d).addHelpText('after', examplesOf('hotswap'));
  const command = (name: string, description: string) =>
    program.command(name).description(description).addHelpText('after', examplesOf(name));

  addSwap(command('swap', 'build and swap once, now'), run, d, takeEarly);
  addWatch(command('watch', 'watch the Go sources; build, swap and verify on every change'), run, d);
  addBisect(command('bisect', 'find the first bad commit between two revisions by hot swaps (no checkout)'), run, d);
  withoutJson(withCommon(command('stop', 'stop this repo\'s watch daemon (waits for the current swap)'), d))
    .action(run(async (o) => (await import('./commands/stop.js')).stopCommand(o)));
  withCommon(command('rollback', 'restore the newest backup (or --to NAME), restart, verify')
    .option('--to <name>', 'the backup to restore (see `hotswap backups`)', nonEmpty('--to')), d)
    .action(run(async (o) => (await import('./commands/rollback.js')).rollbackCommand(o)));
  withCommon(command('backups', 'list the backups in the container')
    .option('--prune <n>', 'keep only the newest N', integer('--prune')), d)
    .action(run(async (o) => (await import('./commands/backups.js')).backupsCommand(o)));
  withoutJson(withCommon(command('logs', 'recent container logs')
    .option('-n, --lines <n>', 'how many lines', integer('-n'))
    .option('-f, --follow', 'keep following across restarts'), d))
    .action(run(async (o) => (await import('./commands/logs.js')).logsCommand(o)));
  withCommon(command('plan', 'would a rebuild be needed, and why, file by file (no Docker needed)')
    .option('--from <rev>', 'compare from this revision (default: the last built tree)')
    .option('--to <rev>', 'compare to this revision (default: a snapshot of the work tree)'), d)
    .action(run(async (o) => (await import('./commands/plan.js')).planCommand(o)));
  command('init', 'set this Go repo up: hotswap.config.json, .gitignore; optionally make hot-swap and postStart')
    .option('--makefile', 'add a `hot-swap` target that runs hotswap swap --restart --verify')
    .option('--devcontainer', 'add `hotswap watch --detach` to .devcontainer/devcontainer.json postStartCommand')
    .option('--repo <dir>', 'the Go repository (default: the current directory)')
    .option('--container <name>', 'the container the config names (default: ollama-gpu)')
    .action(run(async (o) => (await import('./commands/init.js')).initCommand({ ...o, version })));
  withCommon(command('doctor', 'check git, Go, Docker, the container, images, notifications, file watching'), d)
    .action(run(async (o) => (await import('./commands/doctor.js')).doctorCommand(o)));
  withCommon(command('status', 'daemon, container, served vs built binary, last runs'), d)
    .action(run(async (o) => (await import('./commands/status.js')).statusCommand(o)));
  command('completion', 'print a completion script for bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => { process.stdout.write(await completionOf(program, shell)); });
  return program;
}

/** The completion script for `shell`, from the commands and flags defined above. */
async function completionOf(program: Command, shell: string): Promise<string> {
  const { completionScript, SHELLS } = await import('./cli/completion.js');
  const known = SHELLS.find((s) => s === shell);
  if (!known) throw usageError(`unknown shell '${shell}': use ${SHELLS.join(', ')}`, { hint: 'see hotswap completion --help' });
  const flagsOf = (c: Command) => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)).concat('--help');
  const commands = program.commands.map((c) => ({ name: c.name(), description: c.description(), flags: flagsOf(c) }));
  return completionScript(known, commands, flagsOf(program));
}

/**
 * The command's options merged with the shared flags given before it. A shared flag the command does not
 * take (`hotswap --config x init`) is an error, as it would be after the command.
 */
function optionsOf(command: Command): Record<string, unknown> {
  const own = new Set(command.options.map((o) => o.attributeName()));
  const before = command.parent?.opts() ?? {};
  const stray = command.parent?.options.find((o) => before[o.attributeName()] !== undefined && !own.has(o.attributeName()));
  if (stray) throw usageError(`hotswap ${command.name()} does not take ${stray.long}`, { hint: `see hotswap ${command.name()} --help` });
  return { ...before, ...command.opts() };
}

function report(error: unknown): number {
  if (isHotswapError(error)) {
    if (error.details) process.stderr.write(`${error.details.trimEnd()}\n`);
    process.stderr.write(`${errorLine(error.message, error.hint)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${errorLine(`internal error: ${messageOf(error)}`, 'please report this with .hotswap/hotswap.log')}\n`);
  if (process.env.HOTSWAP_DEBUG) console.error(error);
  return 1;
}

/** The command argv names (for the hint of a usage error), or none. */
const commandIn = (program: Command, argv: readonly string[]): string | undefined =>
  argv.find((a) => program.commands.some((c) => c.name() === a));

const wantsHelp = (argv: readonly string[]) => argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');

/** `early`: the head start dist/cli.js began for a swap (src/cli/early-swap.ts); stopped here unless the swap took it. */
export async function main(argv: string[], version: string, early: HeadStart | null = null): Promise<number> {
  let code = 0;
  let untaken = early;
  const takeEarly = () => {
    const taken = untaken;
    untaken = null;
    return taken;
  };
  // Only help shows the effective defaults, so only help reads the config before the command does.
  const defaults = wantsHelp(argv) ? (await import('./cli/help-defaults.js')).helpDefaults(argv, process.cwd(), process.env) : null;
  const program = build(version, (action) => async (_options, command) => {
    code = await action(optionsOf(command));
  }, defaults, takeEarly);
  try {
    await program.parseAsync(translateLegacyFlags(argv), { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      const name = commandIn(program, argv);
      const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`${errorLine(message, `see ${name ? `hotswap ${name} --help` : 'hotswap --help'}`)}\n`);
      return 2;
    }
    return report(error);
  } finally {
    takeEarly()?.abandon(); // a `go build` no command took must not outlive the process
  }
}
