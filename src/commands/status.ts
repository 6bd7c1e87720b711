/** `hotswap status [--json]`: daemon, container, what runs in it vs what was built, the last runs. */
import type { PipelineFlags } from '../config/types.js';
import { runningDaemon } from '../daemon/lock.js';
import { messageOf } from '../errors.js';
import { readState } from '../state/store.js';
import { hashInContainer } from '../swap/restore.js';
import type { Engine } from '../target/client.js';
import { summaryLine } from '../ui/terminal.js';
import { commandContext, printJson } from './context.js';

const RUNS_SHOWN = 20;

async function containerStatus(engine: Engine, name: string, binaryPath: string) {
  try {
    await engine.ping();
    const container = engine.container(name);
    const state = await container.inspect();
    if (!state) return { name, exists: false, running: false, status: 'missing', sha256: null };
    const sha256 = state.running ? await hashInContainer(container, binaryPath).catch(() => null) : null;
    return { name, exists: true, running: state.running, status: state.status, startedAt: state.startedAt, sha256 };
  } catch (e) {
    return { name, exists: false, running: false, status: 'unknown', sha256: null, error: messageOf(e) };
  }
}

export async function statusCommand(flags: PipelineFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const [pid, state, container] = await Promise.all([
    runningDaemon(config.repo), readState(config.repo),
    containerStatus(engine, config.target.container, config.target.binaryPath),
  ]);
  const status = {
    daemon: { running: pid !== null, pid },
    container,
    lastBuilt: state.lastBuilt,
    runs: state.runs.slice(-RUNS_SHOWN),
  };
  if (config.output.json) {
    printJson(status);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`daemon     ${pid ? `running (pid ${pid})` : 'not running'}`);
  out(`container  ${container.name}: ${container.status}${'error' in container ? ` (${container.error})` : ''}`);
  const live = container.sha256 ?? '-';
  const built = state.lastBuilt?.sha256 ?? '-';
  const match = container.sha256 && state.lastBuilt ? (live === built ? ' (matches last build)' : ' (differs from last build)') : '';
  out(`serving    ${live.slice(0, 12)}${match}`);
  out(`built      ${built.slice(0, 12)} ${state.lastBuilt?.version ?? ''} ${state.lastBuilt?.at ?? ''}`.trimEnd());
  const lastBuilder = [...status.runs].reverse().find((r) => r.builder)?.builder;
  if (lastBuilder) out(`builder    ${lastBuilder.mode}: ${lastBuilder.reason}`);
  for (const run of status.runs.slice(-5)) {
    const phases = Object.entries(run.phases).map(([k, v]) => `${k} ${v}`).join(', ');
    out(`  ${run.startedAt}  ${summaryLine(run)}${phases ? `  [${phases}]` : ''}`);
  }
  return 0;
}
