// Builder figures on the fixture: cold vs warm builder-container builds, the sync-mode overhead for a
// one-file change (bind and sync alternating), and an artifact build. Writes bench-results/builder.{md,json}.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import {
  buildImage, buildRuntimeImage, CLI, containerName, envNumber, makeBenchRepo, median, p90, row, sampleRow, setMessage, stats,
  writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_BUILDER_RUNS', 'BENCH_RUNS'], 5);
const NAME = containerName('builder-target');
const BIND = containerName('bind');
const SYNC = containerName('sync');
const PORT = 18613;
const docker = (...a) => spawnSync('docker', a, { encoding: 'utf8' });

buildRuntimeImage();
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
  for (const c of [NAME, BIND, SYNC]) docker('rm', '-f', c);
  for (const v of [BIND, SYNC]) docker('volume', 'rm', '-f', `${v}-gocache`, `${v}-gomodcache`);
};
try {
  cleanup();
  config(BIND, false);
  const cold = swapBuildMs();
  const warm = [swapBuildMs(), swapBuildMs(), swapBuildMs()];
  config(SYNC, true);
  swapBuildMs(); // first sync: whole tree, cold cache
  const bind = []; const sync = [];
  for (let i = 0; i < RUNS; i++) {
    config(BIND, false); bind.push(swapBuildMs());
    config(SYNC, true); sync.push(swapBuildMs());
  }
  const speedup = cold / median(warm);
  const overhead = { median: median(sync) - median(bind), p90: p90(sync) - p90(bind) };
  const rows = [
    row('builder container, cold build (new cache volumes)', { median: cold }),
    sampleRow('builder container, warm build (3 builds)', warm),
    row('cold / warm', { median: speedup, unit: '×', goal: '≥ 4×', pass: speedup >= 4 }),
    sampleRow(`one-file change, bind mount (${RUNS} builds)`, bind),
    sampleRow(`one-file change, sync mode (${RUNS} builds, alternating with bind)`, sync),
    row('sync-mode overhead (sync − bind)', { ...overhead, goal: '< 150 ms', pass: overhead.median < 150 }),
  ];
  writeResults('builder', {
    title: 'builders on the fixture',
    rows,
    notes: ['build phase of `hotswap swap --json` with build.mode container; each build follows a one-line source change'],
    data: { runs: RUNS, cold, warm, bind, sync, stats: { warm: stats(warm), bind: stats(bind), sync: stats(sync) } },
  });
} finally {
  cleanup();
  rmSync(repo, { recursive: true, force: true });
}
