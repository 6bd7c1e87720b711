// `npm run bench`: the swap phase (copy + verify + restart + health) over SSH against the local socket, alternating
// local, ssh, local, ssh on one container. The SSH engine is this machine's, behind a loopback sshd
// (test/support/sshd.mjs), so the difference is what SSH costs: the handshake, one `docker system dial-stdio`
// per API call, the gzip of the upload and the health check's forwarded channel. Writes bench-results/remote.{md,json}.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { startSshd } from '../support/sshd.mjs';
import {
  buildImage, CLI, containerName, envNumber, makeBenchRepo, median, removeContainer, row, sampleRow, setMessage, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_REMOTE_RUNS', 'BENCH_RUNS'], 5);
const NAME = containerName('remote');
const LOCAL = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';

/** Asynchronous: this process also serves the sshd bridge, whose event loop a spawnSync would freeze. */
async function swap(repo, i, env) {
  setMessage(repo, `bench remote ${i}`);
  const r = await promisify(execFile)('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  const { phases: p, totalMs } = JSON.parse(r.stdout);
  return { swapMs: p.copy + (p.verify ?? 0) + p.restart + p.health, phases: p, totalMs };
}

/** A port free right now on 127.0.0.1 (other benches may hold a fixed one). */
const freePort = () => new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

async function main() {
  buildImage('runtime-image.sh');
  const PORT = await freePort();
  const repo = makeBenchRepo('remote');
  writeBenchConfig(repo, { container: NAME, port: PORT });
  removeContainer(NAME);
  const sshd = await startSshd(LOCAL);
  const overSsh = { ...sshd.env, DOCKER_HOST: sshd.host };
  try {
    await swap(repo, 'warm-up', { DOCKER_HOST: LOCAL }); // creates the container and warms the Go cache
    const local = []; const ssh = [];
    for (let i = 0; i < RUNS; i++) {
      local.push(await swap(repo, `l${i}`, { DOCKER_HOST: LOCAL }));
      ssh.push(await swap(repo, `s${i}`, overSsh));
    }
    const phases = Object.keys(local[0].phases);
    const ratio = median(ssh.map((s) => s.swapMs)) / median(local.map((s) => s.swapMs));
    writeResults('remote', {
      title: `swap phase over SSH vs the local socket (${RUNS} alternating runs, sshd on loopback)`,
      rows: [
        sampleRow('local socket: swap phase (copy + verify + restart + health)', local.map((s) => s.swapMs)),
        sampleRow('ssh://: swap phase (copy + verify + restart + health)', ssh.map((s) => s.swapMs)),
        row('ssh / local (ratio of medians)', { median: ratio, unit: '×' }),
        ...phases.flatMap((n) => [
          sampleRow(`  local phase ${n}`, local.map((s) => s.phases[n] ?? 0)),
          sampleRow(`  ssh phase ${n}`, ssh.map((s) => s.phases[n] ?? 0)),
        ]),
        sampleRow('local: whole run (totalMs)', local.map((s) => s.totalMs)),
        sampleRow('ssh://: whole run (totalMs)', ssh.map((s) => s.totalMs)),
      ],
      notes: ['the ssh engine is the same engine behind a loopback sshd: no network latency, only what SSH adds'],
      data: { runs: RUNS, local, ssh, ratio },
    });
  } finally {
    await sshd.stop();
    if (!process.env.BENCH_KEEP) removeContainer(NAME);
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
