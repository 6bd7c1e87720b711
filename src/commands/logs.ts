/** `hotswap logs [-n N] [-f]`: the container's recent output. */
import { environmentError } from '../errors.js';
import type { PipelineFlags } from '../config/types.js';
import { commandContext } from './context.js';

export interface LogsFlags extends PipelineFlags {
  lines?: number;
  follow?: boolean;
}

export async function logsCommand(flags: LogsFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  await engine.ping();
  const container = engine.container(config.target.container);
  if (!(await container.inspect())) throw environmentError(`container ${config.target.container} does not exist`, { hint: 'check target.container or --container (docker ps -a lists containers)' });
  const tail = flags.lines ?? 50;
  if (!flags.follow) {
    process.stdout.write(await container.logs({ tail }));
    return 0;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await container.followLogs({ tail }, (text) => process.stdout.write(text), stop.signal);
  return 0;
}
