/**
 * `hotswap rollback [--to NAME]`: put a whole backup back (the newest by default), restart, verify. Works on
 * a stopped or crash-looping container too (the archive API; swap/either-way.ts).
 */
import { operationError, usageError } from '../errors.js';
import type { PipelineFlags } from '../config/types.js';
import { phaseRunner } from '../phase.js';
import { newReport } from '../report.js';
import { recordRun } from '../state/store.js';
import { listBackups, type Backup } from '../swap/backups.js';
import { withContainerLock } from '../lock/container-lock.js';
import { existingContainer } from '../pipeline/container.js';
import { restoreBackup } from '../swap/transaction.js';
import { commandContext, printJson } from './context.js';

export interface RollbackFlags extends PipelineFlags {
  to?: string;
}

function pick(backups: readonly Backup[], to: string | undefined, container: string): Backup {
  if (backups.length === 0) throw operationError(`no backups in ${container}`, { hint: 'a backup is made by every swap' });
  if (!to) return backups[backups.length - 1]!;
  const found = backups.find((b) => b.path === to || b.path.endsWith(`/${to}`));
  if (!found) {
    throw usageError(`no backup named ${to} in ${container}`, { hint: `see \`hotswap backups\`; newest: ${backups[backups.length - 1]!.path}` });
  }
  return found;
}

export async function rollbackCommand(flags: RollbackFlags): Promise<number> {
  const { config, engine, progress, log } = commandContext(flags);
  const { target } = config;
  const started = performance.now();
  const container = await existingContainer(engine, target.container, 'nothing to roll back');
  const report = newReport('manual', target.container);
  const lock = { container: target.container, repo: config.repo, timeoutMs: target.lockTimeoutMs, progress };
  const { backup, onDisk } = await withContainerLock(lock, async () => {
    const backup = pick(await listBackups(container, target), flags.to, target.container);
    progress.info(`restoring ${backup.path}`);
    return { backup, onDisk: await phaseRunner(report, progress)('rollback', () => restoreBackup(container, target, backup)) };
  });
  Object.assign(report, { outcome: 'rolled-back', sha256: onDisk, backup: backup.path });
  report.totalMs = Math.round(performance.now() - started);
  log.info({ report }, 'rollback');
  await recordRun(config.repo, report, null).catch(() => undefined);
  if (config.output.json) printJson(report);
  else progress.info(`✓ ${target.container} runs ${backup.path} again (sha256 ${onDisk.slice(0, 12)}…)`);
  return 0;
}
