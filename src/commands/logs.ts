/** `hotswap logs [-n N] [-f]`: the container's recent output. */
import { existingContainer } from '../pipeline/target.js';
import type { PipelineFlags } from '../config/types.js';
import { commandContext } from './context.js';

export interface LogsFlags extends PipelineFlags {
  lines?: number;
  follow?: boolean;
}

export async function logsCommand(flags: LogsFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const container = await existingContainer(engine, config.target.container);
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
