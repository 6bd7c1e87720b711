/**
 * `hotswap status [--json]`: daemon, container, what runs in it vs what was built, the last runs. With
 * several targets, each one's container and last build (`targets` in the JSON; the top level is the first's).
 */
import type { PipelineFlags } from '../config/types.js';
import { runningDaemon } from '../daemon/lock.js';
import { messageOf } from '../errors.js';
import { lastBuiltOf, readState, type LastBuilt } from '../state/store.js';
import { hashInContainer } from '../swap/restore.js';
import type { Engine } from '../docker/client.js';
import type { Report } from '../report.js';
import { readStaleImages, rebuildCommand, type StaleImage } from '../state/stale-image.js';
import { staleImageText } from '../ui/run-line.js';
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
    return { name, exists: true, running: state.running, status: state.status, startedAt: state.startedAt, sha256, imageId: state.imageId };
  } catch (e) {
    return { name, exists: false, running: false, status: 'unknown', sha256: null, error: messageOf(e) };
  }
}

type ContainerStatus = Awaited<ReturnType<typeof containerStatus>>;

/** Stale while the container still runs the image it ran when the staleness was noticed. */
const staleImageOf = (recorded: StaleImage | undefined, container: ContainerStatus, image: string | null) =>
  recorded && 'imageId' in container && recorded.imageId === container.imageId
    ? { files: [...recorded.files], rebuild: rebuildCommand(image) } : null;
interface TargetStatus { readonly name: string; readonly container: ContainerStatus; readonly lastBuilt: LastBuilt | null; readonly staleImage: Report['staleImage'] | null }

/** The container, what it serves and what was built for it: indented under the target's name when several. */
function printTarget({ name, container, lastBuilt, staleImage }: TargetStatus, several: boolean, out: (line: string) => void): void {
  const pad = several ? '  ' : '';
  if (several) out(`target     ${name}`);
  out(`${pad}container  ${container.name}: ${container.status}${'error' in container ? ` (${container.error})` : ''}`);
  const live = container.sha256 ?? '-';
  const built = lastBuilt?.sha256 ?? '-';
  const match = container.sha256 && lastBuilt ? (live === built ? ' (matches last build)' : ' (differs from last build)') : '';
  out(`${pad}serving    ${live.slice(0, 12)}${match}`);
  const tree = several && lastBuilt ? ` tree ${lastBuilt.tree.slice(0, 12)}` : '';
  out(`${pad}built      ${built.slice(0, 12)}${tree} ${lastBuilt?.version ?? ''} ${lastBuilt?.at ?? ''}`.trimEnd());
  if (lastBuilt?.revision) out(`${pad}revision   ${lastBuilt.revision} (not the work tree)`);
  if (staleImage) out(`${pad}image      ${staleImageText(staleImage)}`);
}

export async function statusCommand(flags: PipelineFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const [pid, state, containers, stale] = await Promise.all([
    runningDaemon(config.repo), readState(config.repo),
    Promise.all(config.targets.map((t) => containerStatus(engine, t.target.container, t.target.binaryPath))),
    readStaleImages(config.repo),
  ]);
  const targets = config.targets.map((t, i) => ({
    name: t.name, container: containers[i]!, lastBuilt: lastBuiltOf(state, t.name),
    staleImage: staleImageOf(stale[t.name], containers[i]!, t.target.image),
  }));
  const several = targets.length > 1;
  const status = {
    daemon: { running: pid !== null, pid },
    container: targets[0]!.container,
    lastBuilt: targets[0]!.lastBuilt,
    staleImage: targets[0]!.staleImage,
    ...(several ? { targets } : {}),
    runs: state.runs.slice(-RUNS_SHOWN),
  };
  if (config.output.json) {
    printJson(status);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`daemon     ${pid ? `running (pid ${pid})` : 'not running'}`);
  for (const target of targets) printTarget(target, several, out);
  const lastBuilder = [...status.runs].reverse().find((r) => r.builder)?.builder;
  if (lastBuilder) out(`builder    ${lastBuilder.mode}: ${lastBuilder.reason}`);
  for (const run of status.runs.slice(-5)) {
    const phases = Object.entries(run.phases).map(([k, v]) => `${k} ${v}`).join(', ');
    out(`  ${run.startedAt}  ${several ? `${run.container}  ` : ''}${summaryLine(run)}${phases ? `  [${phases}]` : ''}`);
  }
  return 0;
}
