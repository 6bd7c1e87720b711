// Watch-mode figures on the fixture: time to ready, edit-to-live p50/p90 (debounce included) against the
// floor measured in the same run, alternating (common.mjs makeFloor: the same edit, `go build` with a fresh
// -X stamp, API restart, first 2xx), RSS, idle CPU, and the CPU cost of no-op saves. Writes
// bench-results/watch.{md,json}.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildRuntimeImage, CLI, containerName, cpuMsOf, envNumber, makeBenchRepo, makeFloor, median, ratioRow, removeContainer, row, rssMbOf,
  sampleRow, setMessage as setRepoMessage, sleep, stateRuns, stats, untilRuns, untilServes, writeBenchConfig, writeResults,
} from './common.mjs';

const EDITS = envNumber(['BENCH_WATCH_RUNS', 'BENCH_RUNS'], 8);
const IDLE_S = envNumber('BENCH_IDLE_S', 30);
const NAME = containerName('watch');
const PORT = 18612;
const DEBOUNCE = 200;
const GOAL = 1.3;
const HELLO = `http://127.0.0.1:${PORT}/api/hello`;

const repo = makeBenchRepo('watch');
writeBenchConfig(repo, { container: NAME, port: PORT, watch: { debounceMs: DEBOUNCE } });
const message = path.join(repo, 'server', 'message.go');
const setMessage = (t) => setRepoMessage(repo, t);
buildRuntimeImage();
removeContainer(NAME);
const floor = await makeFloor('watch', PORT + 20, { poll: true });

const t0 = performance.now();
const daemon = spawn('node', [CLI, 'watch'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
let out = '';
daemon.stderr.on('data', (d) => { out += d; });
try {
  while (!/watching/.test(out)) {
    if (daemon.exitCode !== null) throw new Error(`hotswap watch exited: ${out}`);
    await sleep(5);
  }
  const readyMs = performance.now() - t0;
  // The initial run creates the container (which serves the image's "hello v1" at once) and swaps; edits are
  // timed only once it is recorded.
  await untilRuns(repo, 1);
  await sleep(500);
  const live = []; const floors = [];
  for (let i = 0; i < EDITS; i++) {
    const start = performance.now();
    setMessage(`edit ${i}`);
    await untilServes(HELLO, `edit ${i}`);
    live.push(performance.now() - start);
    await sleep(300);
    floors.push(await floor.measure(i));
  }
  // Every edit's run is recorded just after it is served.
  const runsBefore = (await untilRuns(repo, Math.min(1 + EDITS, 50))).length;
  const noop = [];
  for (const [label, act] of [
    ['docs edit', () => writeFileSync(path.join(repo, 'docs', 'README.md'), `${readFileSync(path.join(repo, 'docs', 'README.md'), 'utf8')}\nmore\n`)],
    ['save without change', () => writeFileSync(message, readFileSync(message))],
    ['edit then undo', () => { const s = readFileSync(message, 'utf8'); writeFileSync(message, `${s}//x\n`); writeFileSync(message, s); }],
  ]) {
    const c0 = cpuMsOf(daemon.pid);
    act();
    await sleep(DEBOUNCE + 1500);
    noop.push({ label, cpuMs: cpuMsOf(daemon.pid) - c0 });
  }
  const state = { runs: stateRuns(repo) };
  const noopBuilds = state.runs.slice(runsBefore).filter((r) => r.phases.build !== undefined).length;
  const lastBuild = state.runs.filter((r) => r.phases.build !== undefined).slice(-EDITS).map((r) => r.phases.build);
  const c0 = cpuMsOf(daemon.pid);
  await sleep(IDLE_S * 1000);
  const idleCpuMs = cpuMsOf(daemon.pid) - c0;
  const rss = rssMbOf(daemon.pid);
  const goalMs = DEBOUNCE + median(lastBuild) + 600;
  const rows = [
    row('time to ready (spawn → "watching")', { median: readyMs, text: `${Math.round(readyMs)} ms` }),
    sampleRow(`edit saved → new code served (${EDITS} edits, debounce ${DEBOUNCE} ms)`, live),
    sampleRow('floor: the same edit → go build (fresh -X stamp) → API restart → first 2xx (alternating)', floors),
    ratioRow('watch edit → served / floor (ratio of medians · of p90s)', live, floors, GOAL),
    row('  debounce + build phase + 600 ms (the former goal)', { median: goalMs }),
    sampleRow('  build phase in those runs', lastBuild),
    row('RSS after the edits', { median: rss, unit: 'MB' }),
    row(`idle CPU over ${IDLE_S} s`, { median: idleCpuMs / (IDLE_S * 10), unit: '%', text: `${Math.round(idleCpuMs)} ms (${(idleCpuMs / (IDLE_S * 10)).toFixed(2)} %)` }),
    ...noop.map((x) => row(`no-op: ${x.label}, daemon CPU (git included)`, { median: x.cpuMs, text: `${Math.round(x.cpuMs)} ms` })),
    row('builds caused by the no-op edits', { median: noopBuilds, unit: '', text: String(noopBuilds), goal: '0', pass: noopBuilds === 0 }),
  ];
  writeResults('watch', {
    title: 'watch mode on the fixture',
    rows,
    notes: ['CPU from /proc/<pid>/stat (utime + stime + reaped children), 10 ms resolution'],
    data: { readyMs, live, floors, lastBuild, rss, idleS: IDLE_S, idleCpuMs, noop, noopBuilds, stats: { live: stats(live), floor: stats(floors) } },
  });
} finally {
  if (daemon.exitCode === null) {
    const closed = new Promise((r) => daemon.on('close', r));
    daemon.kill('SIGTERM');
    await closed;
  }
  floor.remove();
  if (!process.env.BENCH_KEEP) removeContainer(NAME);
  rmSync(repo, { recursive: true, force: true });
}
