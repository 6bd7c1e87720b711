/**
 * `hotswap backups [--prune N]`: the whole backups kept in the container, the original marked. Lists a
 * stopped or crash-looping container too; pruning needs it running.
 */
import { existingContainer } from '../pipeline/container.js';
import type { PipelineFlags } from '../config/types.js';
import { listBackups, pruneBackups } from '../swap/backups.js';
import { commandContext, printJson } from './context.js';

export interface BackupsFlags extends PipelineFlags {
  prune?: number;
}

export async function backupsCommand(flags: BackupsFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const { target } = config;
  const container = await existingContainer(engine, target.container);
  const pruned = flags.prune === undefined ? [] : await pruneBackups(container, target, flags.prune);
  const backups = await listBackups(container, target);
  if (config.output.json) {
    printJson({ container: target.container, backups, pruned });
    return 0;
  }
  for (const b of pruned) process.stdout.write(`pruned  ${b.path}\n`);
  if (backups.length === 0) process.stdout.write(`no backups in ${target.container}\n`);
  for (const b of backups) {
    process.stdout.write(`${b.path}  ${(b.size / 1e6).toFixed(1)} MB  ${b.modified}${b.original ? '  (original: never pruned)' : ''}\n`);
  }
  return 0;
}
