// Watch-mode figures on the fixture: time to ready, edit-to-live p50/p90 (debounce included), RSS, idle
// CPU, and the CPU cost of no-op saves. Writes bench-results/watch.{md,json}.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildImage, CLI, makeBenchRepo, percentile as pct, ROOT, setMessage as setRepoMessage, writeBenchConfig } from './common.mjs';

const EDITS = Number(process.env.BENCH_RUNS ?? 8);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const NAME = 'hs-bench-watch';
const PORT = 18612;
const DEBOUNCE = 200;
const TICK_MS = 1000 / 100; // /proc/<pid>/stat counts in USER_HZ = 100

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** CPU ms of the daemon and its reaped children (git, go). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
async function hello() {
  try { return await (await fetch(`http://127.0.0.1:${PORT}/api/hello`, { signal: AbortSignal.timeout(500) })).text(); } catch { return null; }
}
async function untilServes(text, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) { if ((await hello()) === text) return; await sleep(5); }
  throw new Error(`never served ${text}`);
}

const repo = makeBenchRepo('watch');
writeBenchConfig(repo, { container: NAME, port: PORT, watch: { debounceMs: DEBOUNCE } });
const message = path.join(repo, 'server', 'message.go');
const setMessage = (t) => setRepoMessage(repo, t);
buildImage('runtime-image.sh');
execFileSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });

const t0 = performance.now();
const daemon = spawn('node', [CLI, 'watch'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
daemon.stderr.on('data', (d) => { out += d; });
try {
  while (!/watching/.test(out)) await sleep(5);
  const readyMs = performance.now() - t0;
  await untilServes('hello v1'); // the initial run created the container and swapped
  await sleep(500);
  const live = [];
  for (let i = 0; i < EDITS; i++) {
    const start = performance.now();
    setMessage(`edit ${i}`);
    await untilServes(`edit ${i}`);
    live.push(performance.now() - start);
    await sleep(300);
  }
  const runsBefore = JSON.parse(readFileSync(path.join(repo, '.hotswap', 'state.json'), 'utf8')).runs.length;
  const noop = [];
  for (const [label, act] of [
    ['docs edit', () => writeFileSync(path.join(repo, 'docs', 'README.md'), `${readFileSync(path.join(repo, 'docs', 'README.md'), 'utf8')}\nmore\n`)],
    ['save without change', () => writeFileSync(message, readFileSync(message))],
    ['edit then undo', () => { const s = readFileSync(message, 'utf8'); writeFileSync(message, `${s}//x\n`); writeFileSync(message, s); }],
  ]) {
    const c0 = cpuMs(daemon.pid);
    act();
    await sleep(DEBOUNCE + 1500);
    noop.push({ label, cpuMs: cpuMs(daemon.pid) - c0 });
  }
  const state = JSON.parse(readFileSync(path.join(repo, '.hotswap', 'state.json'), 'utf8'));
  const noopBuilds = state.runs.slice(runsBefore).filter((r) => r.phases.build !== undefined).length;
  const lastBuild = state.runs.filter((r) => r.phases.build !== undefined).slice(-EDITS).map((r) => r.phases.build);
  const c0 = cpuMs(daemon.pid);
  await sleep(IDLE_S * 1000);
  const idleCpuMs = cpuMs(daemon.pid) - c0;
  const rss = rssMb(daemon.pid);
  const buildP50 = pct(lastBuild, 0.5);
  const md = [`# watch bench (${new Date().toISOString()})`, '', `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}`, '',
    '| measure | value |', '| --- | ---: |',
    `| time to ready (spawn → watching) | ${Math.round(readyMs)} ms |`,
    `| edit-to-live p50 / p90 (${EDITS} edits, debounce ${DEBOUNCE} ms) | ${Math.round(pct(live, 0.5))} / ${Math.round(pct(live, 0.9))} ms |`,
    `| build p50 (in those runs) | ${Math.round(buildP50)} ms |`,
    `| goal: debounce + build + 600 ms | ${Math.round(DEBOUNCE + buildP50 + 600)} ms |`,
    `| RSS after the edits | ${rss.toFixed(1)} MB |`,
    `| idle CPU over ${IDLE_S} s | ${Math.round(idleCpuMs)} ms (${(idleCpuMs / (IDLE_S * 10)).toFixed(2)} %) |`,
    ...noop.map((n) => `| no-op: ${n.label} | ${Math.round(n.cpuMs)} ms CPU |`),
    `| builds caused by the no-op edits | ${noopBuilds} |`, ''].join('\n');
  mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench-results', 'watch.md'), md);
  writeFileSync(path.join(ROOT, 'bench-results', 'watch.json'), JSON.stringify({ readyMs, live, rss, idleCpuMs, noop, noopBuilds }, null, 2));
  console.log(md);
} finally {
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.on('close', r));
  execFileSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });
  rmSync(repo, { recursive: true, force: true });
}
