// Builder figures on the fixture: cold vs warm builder-container builds, the sync-mode overhead for a
// one-file change (bind and sync alternating), and an artifact build. Writes bench-results/builder.{md,json}.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildImage, CLI, makeBenchRepo, median, ROOT, setMessage, writeBenchConfig } from './common.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NAME = 'hs-bench-builder-target';
const PORT = 18613;
const docker = (...a) => spawnSync('docker', a, { encoding: 'utf8' });

buildImage('runtime-image.sh');
buildImage('builder-image.sh');
const repo = makeBenchRepo('builder');
const config = (builder, sync) => writeBenchConfig(repo, {
  container: NAME, port: PORT,
  build: { mode: 'container', builderImage: 'hotswap-test/builder:latest', builderContainer: builder, sync },
});
let n = 0;
function swapBuildMs() {
  setMessage(repo, `bench ${n++}`);
  const r = spawnSync('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  return JSON.parse(r.stdout).phases.build;
}
const cleanup = () => {
  for (const c of [NAME, 'hs-bench-bind', 'hs-bench-sync']) docker('rm', '-f', c);
  for (const v of ['hs-bench-bind', 'hs-bench-sync']) docker('volume', 'rm', '-f', `${v}-gocache`, `${v}-gomodcache`);
};
try {
  cleanup();
  config('hs-bench-bind', false);
  const cold = swapBuildMs();
  const warm = [swapBuildMs(), swapBuildMs(), swapBuildMs()];
  config('hs-bench-sync', true);
  swapBuildMs(); // first sync: whole tree, cold cache
  const bind = []; const sync = [];
  for (let i = 0; i < RUNS; i++) {
    config('hs-bench-bind', false); bind.push(swapBuildMs());
    config('hs-bench-sync', true); sync.push(swapBuildMs());
  }
  const rows = [
    ['builder container, cold build (new cache volumes)', cold],
    ['builder container, warm build (median of 3)', median(warm)],
    ['cold / warm', `${(cold / median(warm)).toFixed(1)}× (goal ≥ 4×)`],
    [`one-file change, bind mount (median of ${RUNS})`, median(bind)],
    [`one-file change, sync mode (median of ${RUNS})`, median(sync)],
    ['sync-mode overhead', `${Math.round(median(sync) - median(bind))} ms (goal < 150 ms)`],
  ];
  const md = [`# builder bench (${new Date().toISOString()})`, '', '| measure | value |', '| --- | ---: |',
    ...rows.map(([k, v]) => `| ${k} | ${typeof v === 'number' ? `${Math.round(v)} ms` : v} |`), ''].join('\n');
  mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench-results', 'builder.md'), md);
  writeFileSync(path.join(ROOT, 'bench-results', 'builder.json'), JSON.stringify({ cold, warm, bind, sync }, null, 2));
  console.log(md);
} finally {
  cleanup();
  rmSync(repo, { recursive: true, force: true });
}
