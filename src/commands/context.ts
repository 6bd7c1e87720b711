/** What every command needs once its flags are known: the resolved config, a logger, the engine. */
import { resolveConfig } from '../config/resolve.js';
import type { PipelineFlags, ResolvedConfig } from '../config/types.js';
import { createLogger, type Logger } from '../log.js';
import { connectDocker } from '../docker/docker.js';
import { useHostFlag } from '../docker/engine-config.js';
import type { Engine } from '../docker/client.js';
import { createTerminalProgress } from '../ui/terminal.js';
import type { Progress } from '../ui/progress.js';
import { checkStateDir, statePath } from '../state/store.js';

export interface CommandContext {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  readonly progress: Progress;
  readonly engine: Engine;
  /** A warning for the person (the terminal) and for later (the log). */
  readonly warn: (message: string) => void;
}

export function commandContext(flags: PipelineFlags): CommandContext {
  useHostFlag(flags.host);
  const config = resolveConfig({ flags, cwd: process.cwd(), env: process.env });
  checkStateDir(config.repo); // before the log file is opened in it
  const log = createLogger(statePath(config.repo, 'hotswap.log'), config.output.logLevel);
  const progress = createTerminalProgress({ stream: process.stderr, quiet: config.output.quiet });
  const warn = (message: string) => {
    progress.warn(message);
    log.warn(message);
  };
  return { config, log, progress, engine: connectDocker(), warn };
}

export { printJson } from '../ui/json.js';
