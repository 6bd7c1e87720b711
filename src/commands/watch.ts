/** `hotswap watch`: the daemon, in the foreground or (`--detach`) in the background. */
import { defaultBuilders } from '../builders/select.js';
import type { PipelineFlags } from '../config/types.js';
import { connectBuilderEngine } from '../docker/builder-engine.js';
import { runDaemon } from '../daemon/daemon.js';
import { detachDaemon, watchOutFile } from '../daemon/detach.js';
import { runningDaemon } from '../daemon/lock.js';
import { createNotifier } from '../notify/index.js';
import { checkTargets } from '../pipeline/inputs.js';
import { createWatchTerminal } from '../ui/watch-terminal.js';
import { commandContext } from './context.js';

export interface WatchFlags extends PipelineFlags {
  dryRun?: boolean;
  detach?: boolean;
  /** false with --no-initial. */
  initial?: boolean;
  /** Every phase, and the compiler's output as it comes. */
  verbose?: boolean;
}

/** The command line again, for the background process, without --detach. */
const argsWithoutDetach = () => process.argv.slice(3).filter((a) => a !== '--detach');

export async function watchCommand(flags: WatchFlags): Promise<number> {
  const { config, log, progress, engine, warn } = commandContext(flags);
  const targets = await checkTargets(config, { warn, standing: true });
  if (flags.detach) {
    await targets.close();
    const running = await runningDaemon(config.repo);
    if (running !== null) {
      progress.info(`hotswap watch already runs for ${config.repo} (pid ${running})`);
      return 0;
    }
    const pid = await detachDaemon(config.repo, argsWithoutDetach());
    progress.info(`hotswap watch runs in the background (pid ${pid}); output: ${watchOutFile(config.repo)}; stop it with \`hotswap stop\``);
    return 0;
  }
  const notifier = createNotifier(config.notify, log);
  const terminal = createWatchTerminal({
    stream: process.stderr, quiet: config.output.quiet, verbose: !!flags.verbose, ndjson: config.output.json ? process.stdout : null,
  });
  return runDaemon({ config, engine, builders: defaultBuilders(connectBuilderEngine), log, progress: terminal, notifier, targets, dryRun: !!flags.dryRun, initial: flags.initial !== false });
}
