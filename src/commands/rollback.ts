/** `hotswap rollback [--to NAME]`: put a backup back (the newest by default), restart, verify. */
import { environmentError, operationError, usageError } from '../errors.js';
import type { PipelineFlags } from '../config/types.js';
import { phaseRunner } from '../phase.js';
import { newReport } from '../report.js';
import { recordRun } from '../state/store.js';
import { listBackups, type Backup } from '../swap/backups.js';
import { waitHealthy } from '../swap/health.js';
import { restartContainer } from '../swap/restart.js';
import { hashInContainer, restoreBinary } from '../swap/restore.js';
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
  await engine.ping();
  const container = engine.container(target.container);
  if (!(await container.inspect())) throw environmentError(`container ${target.container} does not exist`, { hint: 'nothing to roll back' });
  const backup = pick(await listBackups(container, target.binaryPath), flags.to, target.container);
  const report = newReport('manual', target.container);
  const phase = phaseRunner(report, progress);
  const expected = await hashInContainer(container, backup.path);
  progress.info(`restoring ${backup.path}`);
  await phase('copy', () => restoreBinary(container, target.binaryPath, backup.path));
  const startedAt = await phase('restart', () => restartContainer(container, target.stopTimeoutS));
  await phase('health', () => waitHealthy(container, target.health, { version: null, startedAt }));
  const onDisk = await phase('verify', () => hashInContainer(container, target.binaryPath));
  if (onDisk !== expected) throw operationError(`after restoring, ${target.binaryPath} does not match ${backup.path}`, { phase: 'verify' });
  Object.assign(report, { outcome: 'rolled-back', sha256: onDisk, backup: backup.path });
  report.totalMs = Object.values(report.phases).reduce((a, b) => a + (b ?? 0), 0);
  log.info({ report }, 'rollback');
  await recordRun(config.repo, report, null).catch(() => undefined);
  if (config.output.json) printJson(report);
  else progress.info(`✓ ${target.container} runs ${backup.path} again (sha256 ${onDisk.slice(0, 12)}…)`);
  return 0;
}
