/** `hotswap backups [--prune N]`: the backups kept in the container. */
import { environmentError } from '../errors.js';
import type { PipelineFlags } from '../config/types.js';
import { listBackups, pruneBackups } from '../swap/backups.js';
import { commandContext, printJson } from './context.js';

export interface BackupsFlags extends PipelineFlags {
  prune?: number;
}

export async function backupsCommand(flags: BackupsFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const { target } = config;
  await engine.ping();
  const container = engine.container(target.container);
  if (!(await container.inspect())) throw environmentError(`container ${target.container} does not exist`, { hint: 'check target.container or --container (docker ps -a lists containers)' });
  const pruned = flags.prune === undefined ? [] : await pruneBackups(container, target.binaryPath, flags.prune);
  const backups = await listBackups(container, target.binaryPath);
  if (config.output.json) {
    printJson({ container: target.container, backups, pruned });
    return 0;
  }
  for (const b of pruned) process.stdout.write(`pruned  ${b.path}\n`);
  if (backups.length === 0) process.stdout.write(`no backups in ${target.container}\n`);
  for (const b of backups) process.stdout.write(`${b.path}  ${(b.size / 1e6).toFixed(1)} MB  ${b.modified}\n`);
  return 0;
}
