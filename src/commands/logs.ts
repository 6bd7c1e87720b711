/**
 * `hotswap logs [-n N] [-f]`: the container's recent output; -f follows it across restarts (every swap
 * restarts it) until Ctrl-C or the container's removal.
 */
import { existingContainer } from '../pipeline/container.js';
import type { PipelineFlags } from '../config/types.js';
import { followAcrossRestarts } from '../daemon/container-logs.js';
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
  await followAcrossRestarts(container, (text) => process.stdout.write(text), stop.signal, { tail, endWhenRemoved: true });
  return 0;
}
