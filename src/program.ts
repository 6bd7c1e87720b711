/** The command line: parses flags, runs one command, maps its outcome to exit codes 0/1/2/3 (README). */
import { Command, CommanderError, Option } from 'commander';
import { isHotswapError, messageOf } from './errors.js';
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

/** Flags every command that reads the config shares. */
function withCommon(command: Command): Command {
  return command
    .option('--config <file>', 'config file (default: hotswap.config.json found upward from the cwd)')
    .option('--repo <dir>', 'the Go repository (default: the config file\'s directory)')
    .option('--container <name>', 'target container (default ollama-gpu)')
    .option('--json', 'machine-readable output on stdout')
    .option('--quiet', 'print errors only')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent');
}

/** A command whose output is not JSON: `--json` is refused (exit 2) rather than ignored. */
function withoutJson(command: Command): Command {
  return command.hook('preAction', (_, action) => {
    if (action.opts().json) throw new CommanderError(2, 'hotswap.noJson', `\`hotswap ${action.name()}\` has no JSON output: drop --json`);
  });
}

/** Flags of the pipeline (`swap`, later `watch`). */
function withPipeline(command: Command): Command {
  return withCommon(command)
    .option('--main <pkg>', 'main package: auto, . or ./cmd/ollama')
    .option('--image <image>', 'image to create the container from when it does not exist')
    .option('--builder <mode>', 'auto, local, container or artifact')
    .option('--force-builder', 'build in the builder container (= --builder container; old -ForceBuilder)')
    .addOption(new Option('--no-local', 'never use the local Go toolchain (old -NoWSL)'))
    .option('--restart', 'restart the container after the swap (default)')
    .option('--no-restart', 'swap the file only; the old process keeps running')
    .option('--verify', 'check the hash and what is served (default)')
    .option('--no-verify', 'skip the hash and health checks')
    .option('--rollback-on-fail', 'restore the backup when verify fails (default with --verify)')
    .option('--no-rollback-on-fail', 'leave the new binary in place when verify fails')
    .option('--keep-backup', 'keep every backup (no pruning to target.keepBackups)');
}

function build(version: string, run: (action: Action) => (options: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command('hotswap')
    .description('Build a Go server, swap it into its running container, verify, roll back on failure.')
    .version(version)
    .showSuggestionAfterError(true)
    // Subcommands inherit these, so set them first. Commander's own "error: …" lines are replaced by ours
    // (one line with a hint); its help text is kept.
    .exitOverride()
    .configureOutput({ writeErr: (text) => { if (!text.startsWith('error:')) process.stderr.write(text); } });

  withPipeline(program.command('swap').description('build and swap once, now'))
    .option('--if-changed', 'skip when no binary input changed since the last build')
    .action(run(async (o) => (await import('./commands/swap.js')).swapCommand(o)));
  withPipeline(program.command('watch').description('watch the Go sources; build, swap and verify on every change'))
    .option('--dry-run', 'plan and report only: never build or swap')
    .option('--detach', 'run in the background (output in .hotswap/watch.out) and return once watching')
    .option('--no-initial', 'do not bring the container up to date at start')
    .option('--debounce <ms>', 'quiet period before a build (watch.debounceMs)')
    .option('--min-restart-interval <ms>', 'at least this long between two runs (groups restarts)')
    .option('-v, --verbose', 'every phase and the compiler output, not one line per run')
    .action(run(async (o) => (await import('./commands/watch.js')).watchCommand(o)));
  withoutJson(withCommon(program.command('stop').description('stop this repo\'s watch daemon (waits for the current swap)'))
    .action(run(async (o) => (await import('./commands/stop.js')).stopCommand(o))));
  withCommon(program.command('rollback').description('restore the newest backup (or --to NAME), restart, verify'))
    .option('--to <name>', 'the backup to restore (see `hotswap backups`)', nonEmpty('--to'))
    .action(run(async (o) => (await import('./commands/rollback.js')).rollbackCommand(o)));
  withCommon(program.command('backups').description('list the backups in the container'))
    .option('--prune <n>', 'keep only the newest N', integer('--prune'))
    .action(run(async (o) => (await import('./commands/backups.js')).backupsCommand(o)));
  withoutJson(withCommon(program.command('logs').description('recent container logs'))
    .option('-n, --lines <n>', 'how many lines', integer('-n'))
    .option('-f, --follow', 'keep following')
    .action(run(async (o) => (await import('./commands/logs.js')).logsCommand(o))));
  withCommon(program.command('plan').description('would a rebuild be needed, and why, file by file (no Docker needed)'))
    .option('--from <rev>', 'compare from this revision (default: the last built tree)')
    .option('--to <rev>', 'compare to this revision (default: a snapshot of the work tree)')
    .action(run(async (o) => (await import('./commands/plan.js')).planCommand(o)));
  program.command('init').description('set this Go repo up: hotswap.config.json, .gitignore; optionally make hot-swap and postStart')
    .option('--repo <dir>', 'the Go repository (default: the current directory)')
    .option('--makefile', 'add a `hot-swap` target (`make hot-swap` = hotswap swap --restart --verify)')
    .option('--devcontainer', 'add `hotswap watch --detach` to .devcontainer/devcontainer.json postStartCommand')
    .option('--container <name>', 'the container the config names (default ollama-gpu)')
    .action(run(async (o) => (await import('./commands/init.js')).initCommand(o)));
  withCommon(program.command('doctor').description('check git, Go, Docker, the container, images, notifications, file watching'))
    .action(run(async (o) => (await import('./commands/doctor.js')).doctorCommand(o)));
  withCommon(program.command('status').description('daemon, container, served vs built binary, last runs'))
    .action(run(async (o) => (await import('./commands/status.js')).statusCommand(o)));
  return program;
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

export async function main(argv: string[], version: string): Promise<number> {
  let code = 0;
  const program = build(version, (action) => async (options) => {
    code = await action(options);
  });
  try {
    await program.parseAsync(translateLegacyFlags(argv), { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      process.stderr.write(`${errorLine(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), 'see hotswap --help')}\n`);
      return 2;
    }
    return report(error);
  }
}
