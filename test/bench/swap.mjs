// `npm run bench`: hotswap's swap phase against Docker's own floor (API restart until the first 2xx),
// alternating A, B, A, B in one run on the fixture. Writes bench-results/swap.{md,json}.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { buildImage, CLI, makeBenchRepo, median, percentile, ROOT, setMessage, writeBenchConfig } from './common.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const NAME = 'hs-bench-swap';
const PORT = 18611;
const docker = new Docker();

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
const p90 = (xs) => percentile(xs, 0.9);

async function until2xx(url, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} never answered`);
}

async function dockerFloor() {
  const start = performance.now();
  await docker.getContainer(NAME).restart({ t: 5 });
  await until2xx(`http://127.0.0.1:${PORT}/`);
  return performance.now() - start;
}

function hotswapSwap(repo, i) {
  setMessage(repo, `bench ${i}`);
  const r = spawnSync('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const p = report.phases;
  return { swapMs: p.copy + (p.verify ?? 0) + p.restart + p.health, phases: p, totalMs: report.totalMs };
}

async function main() {
  buildImage('runtime-image.sh');
  const repo = makeBenchRepo('swap');
  writeBenchConfig(repo, { container: NAME, port: PORT });
  spawnSync('docker', ['rm', '-f', NAME]);
  try {
    hotswapSwap(repo, 'warm-up'); // creates the container and warms the Go cache
    const floor = []; const swaps = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(await dockerFloor());
      swaps.push(hotswapSwap(repo, i));
    }
    const swapMs = swaps.map((s) => s.swapMs);
    const phaseNames = Object.keys(swaps[0].phases);
    const rows = [
      ['Docker floor: API restart → first 2xx', median(floor), p90(floor)],
      ['hotswap swap phase (copy+verify+restart+health)', median(swapMs), p90(swapMs)],
      ...phaseNames.map((n) => [`  phase ${n}`, median(swaps.map((s) => s.phases[n])), p90(swaps.map((s) => s.phases[n]))]),
      ['hotswap swap total (one-shot CLI run)', median(swaps.map((s) => s.totalMs)), p90(swaps.map((s) => s.totalMs))],
    ];
    const ratio = median(swapMs) / median(floor);
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${sh('docker', ['version', '-f', '{{.Server.Version}}']).trim()} engine, ${sh('go', ['version']).trim()}`;
    const md = [`# swap bench (${new Date().toISOString()}, ${RUNS} alternating runs)`, '', `machine: ${machine}`, '',
      '| measure | median ms | p90 ms |', '| --- | ---: | ---: |',
      ...rows.map(([n, m, p]) => `| ${n} | ${Math.round(m)} | ${Math.round(p)} |`), '',
      `swap phase / Docker floor = **${ratio.toFixed(2)}×** (goal ≤ 1.5×)`, ''].join('\n');
    mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench-results', 'swap.md'), md);
    writeFileSync(path.join(ROOT, 'bench-results', 'swap.json'), JSON.stringify({ machine, runs: RUNS, floor, swaps, ratio }, null, 2));
    console.log(md);
  } finally {
    if (!process.env.BENCH_KEEP) spawnSync('docker', ['rm', '-f', NAME]);
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
