/**
 * Fault injection on the real thing: SIGKILL of `swap` and `watch` at random moments, the Docker engine
 * stopped and started under `watch`, the container removed, new binaries that crash-loop or never get
 * healthy, a full `.hotswap/`, a notification server that never answers. Every test asserts that nothing
 * was lost: the binary in the container is whole (`--version` runs), and the newest edit ends up served.
 *
 * One fixture repo and one container (hs-fault-main) for the file; the Docker-restart test has an engine
 * of its own (own-dockerd.ts). HOTSWAP_FAULT_SEED replays the kill delays of a failed run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, startCli, type CliProcess, type CliResult } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { RUNTIME_IMAGE, TEST_LABEL, containerSha256, docker, removeContainer, run, startContainer } from '../support/docker.js';
import {
  PHASES, childPids, exitOf, expectWholeBinary as expectWholeOf, fillUp, isAlive, mountTmpfs, phaseAt, pidsWithEnv, seededRandom, sharedDocker, sleep,
  staleIndexes, strayProcesses, tempFilesBeside, tmpFilesUnder, waitForMatch, waitRunning, withoutStanding, type DockerFn, type PhaseName,
} from '../support/faults.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { startNotifyServer, type NotifyServer } from '../support/notify-server.js';
import { createOwnDockerd, type OwnDockerd } from '../support/own-dockerd.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-fault-main';
const OWN_NAME = 'hs-fault-own';
const BIN = '/usr/bin/ollama';
const SEED = Number(process.env.HOTSWAP_FAULT_SEED ?? 20261126);
const KILLS = 10;

let repo: FixtureRepo;
let port: number;
let daemon: CliProcess | null = null;

const stateDir = () => join(repo.dir, '.hotswap');
const say = (line: string) => console.info(`[faults] ${line}`);
const helloAt = async (p: number) => (await getText(`http://127.0.0.1:${p}/api/hello`)).body;
const hello = () => helloAt(port);
const servedVersion = async (p = port) => JSON.parse((await getText(`http://127.0.0.1:${p}/api/version`)).body).version as string;
const servesHello = (text: string, timeoutMs = 30_000, p = port) =>
  waitForText(`http://127.0.0.1:${p}/api/hello`, (b) => b === text, timeoutMs);
const cli = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) => runCli(args, { cwd: repo.dir, env, timeoutMs });

interface Run {
  outcome: string; trigger: string; container: string; sha256: string | null; version: string | null; plan: { reason: string } | null;
}
const state = () => JSON.parse(readFileSync(join(stateDir(), 'state.json'), 'utf8')) as { runs: Run[]; built: Record<string, { sha256: string }> };
const runCount = () => { try { return state().runs.length; } catch { return 0; } };

/** The test config; `extra` deep-merges over it (writeTestConfig). */
const writeConfig = (extra: Record<string, unknown> = {}) => writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2 } , ...extra } });

async function runsReach(count: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (runCount() < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} runs, have ${runCount()}:\n${daemon?.stderr()}`);
    await sleep(50);
  }
}

/** Waits until state.json records, for `name`, the build the container holds (the run after serving is saved). */
async function settled(dockerFn: DockerFn, name: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let held = '';
  for (;;) {
    held = await containerShaVia(dockerFn, name);
    try { if (state().built[name]?.sha256 === held) return; } catch { /* being written */ }
    if (Date.now() > deadline) throw new Error(`state.json never recorded ${held} for ${name}:\n${daemon?.stderr()}`);
    await sleep(100);
  }
}

/**
 * A test that breaks the shared container must not break the next ones: when hs-fault-main does not serve,
 * it is removed and the next swap recreates it from the image (a known state), else nothing is done.
 */
async function ensureServing() {
  await docker(['update', '--restart', 'no', NAME]);
  const serving = await getText(`http://127.0.0.1:${port}/`).then((r) => r.status === 200, () => false);
  if (serving && (await waitRunning(sharedDocker, NAME, 0))) return;
  say(`${NAME} does not serve (left so by the test before): recreating it`);
  await removeContainer(NAME);
  const r = await cli(['swap']);
  expect(r.code, r.stderr).toBe(0);
}

async function startWatch(env: Record<string, string> = {}): Promise<CliProcess> {
  // --verbose: the kills are timed on the phase lines ("  ✓ build 463 ms"), which watch prints only then.
  daemon = startCli(['watch', '--verbose'], { cwd: repo.dir, env });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
  return daemon;
}

/** The whole-binary check (support/faults.ts) on this file's binary path. */
const expectWholeBinary = (dockerFn: DockerFn, name: string, expectedVersion?: string) => expectWholeOf(dockerFn, name, BIN, expectedVersion);

/**
 * No upload temp file beside the binary, no `*.tmp` in .hotswap/, no exec of ours left in the container but,
 * while a watch runs, the one pair it keeps standing for its next swap (src/pipeline/standing.ts).
 */
async function expectNoLeftovers(dockerFn: DockerFn, name: string) {
  expect(await tempFilesBeside(dockerFn, name, BIN)).toEqual([]);
  expect(tmpFilesUnder(stateDir())).toEqual([]);
  const strays = async () => withoutStanding(await strayProcesses(dockerFn, name), daemon !== null);
  // An exec that outlived its hotswap (a prepared install waiting on stdin) would show here; give it a moment.
  let stray = await strays();
  for (let i = 0; i < 20 && stray.length; i++) {
    await sleep(100);
    stray = await strays();
  }
  expect(stray).toEqual([]);
}

const report = (r: CliResult) => {
  try {
    return JSON.parse(r.stdout) as Run & { phases: Record<string, number>; totalMs: number; error?: { message: string } };
  } catch {
    throw new Error(`no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

beforeAll(async () => {
  await removeContainer(NAME);
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeConfig();
  await startContainer({ name: NAME, port });
  say(`seed ${SEED} (HOTSWAP_FAULT_SEED replays it); repo ${repo.dir}; port ${port}`);
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  if (daemon) await daemon.stop('SIGKILL');
  await removeContainer(NAME);
  await repo?.remove();
});

describe('fault injection', () => {
  it(`survives SIGKILL of \`hotswap swap\` at ${KILLS} random moments: the binary stays whole and the next swap serves the newest edit`, async () => {
    const rand = seededRandom(SEED);
    // A warm-up first: the timeline is then a warm one-shot's (its head start and code cache made), as the
    // victims' are; a first run's longer phases would aim many kills past the end of a warm run.
    repo.setMessage('warm-up');
    const warm = await cli(['swap']);
    expect(warm.code, warm.stderr).toBe(0);
    // A timeline to aim at: when each phase ends after the process starts.
    repo.setMessage('baseline');
    const t0 = performance.now();
    const baseline = startCli(['swap'], { cwd: repo.dir });
    const ends: Partial<Record<PhaseName, number>> = {};
    for (const phase of PHASES) {
      await waitForMatch(baseline.stderr, new RegExp(`✓ ${phase} `), 0, 60_000);
      ends[phase] = performance.now() - t0;
    }
    await exitOf(baseline.child);
    expect((await baseline.stop()).code).toBe(0);
    const wall = performance.now() - t0;
    say(`baseline: phases end at ${PHASES.map((p) => `${p} ${Math.round(ends[p]!)}`).join(', ')} ms; exit at ${Math.round(wall)} ms`);

    // Half the kills anywhere in the run, half aimed into one phase (the short ones would rarely be hit).
    const aimed: PhaseName[] = ['build', 'copy', 'restart', 'health', 'verify'];
    const hit = new Set<string>();
    for (let i = 0; i < KILLS; i++) {
      const target = i % 2 === 0 ? 'anywhere' : aimed[(i - 1) / 2 % aimed.length]!;
      const message = `killed ${i}`;
      repo.setMessage(message);
      const start = performance.now();
      const victim = startCli(['swap'], { cwd: repo.dir });
      let delay: number;
      if (target === 'anywhere') {
        delay = Math.round(rand() * wall);
        await sleep(delay);
      } else {
        const index = PHASES.indexOf(target as PhaseName);
        const before = PHASES[index - 1]!;
        const length = ends[target as PhaseName]! - ends[before]!;
        delay = Math.round(rand() * Math.max(length, 20));
        await waitForMatch(victim.stderr, new RegExp(`✓ ${before} `), 0, 60_000).catch(() => undefined);
        await sleep(delay);
      }
      const killed = await victim.stop('SIGKILL');
      const phase = killed.code === 0 ? 'after it finished' : phaseAt(victim.stderr());
      hit.add(phase);

      // Right after the kill: whatever the moment, the path holds a whole binary.
      const check = await expectWholeBinary(sharedDocker, NAME);
      const status = (await docker(['inspect', '-f', '{{.State.Status}}', NAME])).stdout.trim();

      // The next run brings everything back: --if-changed on every other one, which must not skip either.
      const next = await cli(i % 2 ? ['swap', '--if-changed', '--json'] : ['swap', '--json']);
      say(`#${i} aim ${target}, ${delay} ms${target === 'anywhere' ? ' after start' : ` into ${target}`} (${Math.round(performance.now() - start)} ms total) → killed in ${phase}; ` +
        `container ${status}, --version ${check.via} ok; next run: exit ${next.code} ${report(next).outcome}; ` +
        `stale private indexes: ${staleIndexes(stateDir()).length}`);
      expect(next.code, next.stderr).toBe(0);
      expect(await hello()).toBe(message);
      const served = await servedVersion();
      if (report(next).outcome === 'swapped') expect(report(next).sha256).toBe(await containerSha256(NAME));
      await expectWholeBinary(sharedDocker, NAME, served);
      await expectNoLeftovers(sharedDocker, NAME);
    }
    say(`kills landed in: ${[...hit].join(', ')}`);
    expect(hit.size).toBeGreaterThanOrEqual(4);
  });

  it('does not skip with --if-changed when a killed swap went live and the edit was then undone', async () => {
    // The container serves the killed run's binary, which state.json never recorded: the plan alone would say
    // "nothing changed" against the last recorded build, but the container no longer runs that build.
    const recorded = await hello();
    repo.setMessage('live but never recorded');
    const victim = startCli(['swap'], { cwd: repo.dir });
    await waitForMatch(victim.stderr, /✓ restart /, 0, 60_000); // new binary running; health check under way
    await victim.stop('SIGKILL');
    await servesHello('live but never recorded', 10_000);
    repo.setMessage(recorded); // undo: the sources are the last recorded build's again
    try {
      const next = await cli(['swap', '--if-changed', '--json']);
      say(`undo after a killed live swap: exit ${next.code}, ${report(next).outcome} (${report(next).plan?.reason ?? ''})`);
      expect(next.code, next.stderr).toBe(0);
      expect(await hello()).toBe(recorded);
    } finally {
      // Whatever the outcome, leave the container serving the sources for the next test.
      expect((await cli(['swap'])).code).toBe(0);
    }
  });

  it('leaves no private git index of a killed swap behind after the next run', async () => {
    repo.setMessage('index leftover');
    const victim = startCli(['swap'], { cwd: repo.dir });
    await waitForMatch(victim.stderr, /✓ plan /, 0, 60_000); // the snapshot has written .hotswap/index.<pid>
    await victim.stop('SIGKILL');
    const next = await cli(['swap']);
    expect(next.code, next.stderr).toBe(0);
    expect(staleIndexes(stateDir())).toEqual([]);
  });

  it('removes the state temp file of a swap killed between writing and renaming it', async () => {
    // The window is microseconds wide, too narrow for a timed kill: leave what such a kill leaves, a
    // `state.json.<pid>.tmp` whose writer is dead.
    const dead = (await run('sh', ['-c', 'echo $$'])).stdout.trim();
    expect(isAlive(Number(dead))).toBe(false);
    const orphan = join(stateDir(), `state.json.${dead}.tmp`);
    writeFileSync(orphan, '{"built":{},"ru');
    repo.setMessage('after a torn state write');
    const next = await cli(['swap']);
    expect(next.code, next.stderr).toBe(0);
    expect(await hello()).toBe('after a torn state write');
    expect(tmpFilesUnder(stateDir())).toEqual([]);
  });

  it('converges on the latest edit after SIGKILL of `hotswap watch` during the copy and during the restart', async () => {
    await startWatch();
    await runsReach(runCount() + 1); // the start-up check
    for (const [phase, before] of [['copy', 'build'], ['restart', 'verify']] as const) {
      const from = daemon!.stderr().length;
      repo.setMessage(`watch killed in ${phase}`);
      await waitForMatch(daemon!.stderr, new RegExp(`✓ ${before} `), from, 30_000);
      const killed = await daemon!.stop('SIGKILL');
      daemon = null;
      say(`watch killed after "✓ ${before}" (in ${phaseAt(killed.stderr.slice(from))})`);
      await expectWholeBinary(sharedDocker, NAME);
      repo.setMessage(`edited after the watch died in ${phase}`);
      await startWatch(); // takes over the dead daemon's lock
      await servesHello(`edited after the watch died in ${phase}`);
      await settled(sharedDocker, NAME);
      await expectWholeBinary(sharedDocker, NAME, await servedVersion());
      await expectNoLeftovers(sharedDocker, NAME);
    }
  });

  describe('the Docker engine stopped and started under `watch`', () => {
    let own: OwnDockerd | null = null;
    let ownPort: number;
    const ownDocker: DockerFn = (args, timeoutMs) => own!.docker(args, timeoutMs);

    afterAll(async () => {
      if (daemon) await daemon.stop('SIGKILL');
      daemon = null;
      await own?.destroy();
      writeConfig();
    });

    it('recovers when the engine is back and swaps the edit made while it was down', async () => {
      own = await createOwnDockerd();
      await own.start();
      const load = await run('sh', ['-c', 'docker save "$1" | docker -H "$2" load', 'sh', RUNTIME_IMAGE, own.host], { timeoutMs: 120_000 });
      expect(load.code, load.stderr).toBe(0);
      ownPort = await freePort();
      const started = await own.docker(['run', '-d', '--name', OWN_NAME, '--network', 'host', '--label', TEST_LABEL,
        '-e', `OLLAMA_HOST=127.0.0.1:${ownPort}`, RUNTIME_IMAGE]);
      expect(started.code, started.stderr).toBe(0);
      await waitForText(`http://127.0.0.1:${ownPort}/`, (_b, s) => s === 200, 20_000);
      writeTestConfig(repo.dir, { container: OWN_NAME, port: ownPort });
      const env = { DOCKER_HOST: own.host };

      await startWatch(env);
      repo.setMessage('own engine 1');
      await servesHello('own engine 1', 30_000, ownPort);
      await settled(ownDocker, OWN_NAME);

      // 1. Stopped while watch idles; an edit while it is down; started again.
      let t0 = performance.now();
      await own.stop();
      say(`own dockerd stopped in ${Math.round(performance.now() - t0)} ms`);
      let from = daemon!.stderr().length;
      repo.setMessage('own engine 2 (edited while the engine was down)');
      await waitForMatch(daemon!.stderr, /retrying in/, from, 30_000);
      t0 = performance.now();
      await own.start();
      say(`own dockerd up again in ${Math.round(performance.now() - t0)} ms; ${OWN_NAME} is ${await containerStatusLine(ownDocker, OWN_NAME)}`);
      await servesHello('own engine 2 (edited while the engine was down)', 60_000, ownPort);
      say(`served ${Math.round(performance.now() - t0)} ms after the engine start; watch said:\n${daemon!.stderr().slice(from).trimEnd()}`);
      await settled(ownDocker, OWN_NAME);
      await expectWholeBinary(ownDocker, OWN_NAME, await servedVersion(ownPort));
      await expectNoLeftovers(ownDocker, OWN_NAME);

      // 2. Stopped in the middle of a swap (the upload under way), started again at once: no new edit needed.
      from = daemon!.stderr().length;
      repo.setMessage('own engine 2b (the engine stopped mid-swap)');
      await waitForMatch(daemon!.stderr, /✓ build /, from, 30_000);
      await own.stop();
      t0 = performance.now();
      await own.start();
      try {
        await servesHello('own engine 2b (the engine stopped mid-swap)', 60_000, ownPort);
      } finally {
        say(`engine stopped mid-swap: ${Math.round(performance.now() - t0)} ms after the engine start; ${OWN_NAME} is ` +
          `${await containerStatusLine(ownDocker, OWN_NAME)}; watch said:\n${daemon!.stderr().slice(from).trimEnd()}`);
      }
      await settled(ownDocker, OWN_NAME);
      await expectWholeBinary(ownDocker, OWN_NAME, await servedVersion(ownPort));
      await expectNoLeftovers(ownDocker, OWN_NAME);

      repo.setMessage('own engine 3');
      await servesHello('own engine 3', 30_000, ownPort);
      expect(daemon!.child.exitCode).toBeNull();
    });
  });

  it('recreates the container removed under `watch` from its image and swaps the newest edit into it', async () => {
    await startWatch();
    await servesHello('own engine 3'); // the start-up run brings hs-fault-main up to date
    await settled(sharedDocker, NAME);
    await removeContainer(NAME);
    repo.setMessage('after removal');
    await servesHello('after removal');
    expect(daemon!.stderr()).toContain(`creating ${NAME}`);
    await settled(sharedDocker, NAME);
    await expectWholeBinary(sharedDocker, NAME, await servedVersion());
    await expectNoLeftovers(sharedDocker, NAME);
  });

  it('converges when the container is removed in the middle of a swap by `watch`', async () => {
    await startWatch();
    await runsReach(runCount() + 1);
    const from = daemon!.stderr().length;
    repo.setMessage('removed mid-swap');
    await waitForMatch(daemon!.stderr, /✓ build /, from, 30_000);
    await removeContainer(NAME);
    try {
      await servesHello('removed mid-swap', 45_000);
    } finally {
      say(`watch after the removal:\n${daemon!.stderr().slice(from).trimEnd()}`);
    }
    await settled(sharedDocker, NAME);
    await expectWholeBinary(sharedDocker, NAME, await servedVersion());
    await expectNoLeftovers(sharedDocker, NAME);
  });

  it('rolls back a binary that exits at start, without and with a restart policy (a crash loop), and the old one keeps serving', async () => {
    await ensureServing();
    const main = repo.read('main.go');
    // A crash loop flips the container between running and restarting every few hundred ms, so the
    // rollback's own steps race it: three tries, each must roll back.
    const attempts = ['no', 'always', 'always', 'always'];
    try {
      for (const [i, policy] of attempts.entries()) {
        expect((await cli(['swap'])).code).toBe(0);
        const before = { sha: await containerSha256(NAME), hello: await hello(), version: await servedVersion() };
        expect((await docker(['update', '--restart', policy, NAME])).code).toBe(0);
        repo.write('main.go', main.replace('func main() {', 'func main() {\n\tprintln("crash at start")\n\tos.Exit(1)'));
        repo.setMessage(`crash-looping (${policy} ${i})`);
        const t0 = performance.now();
        const result = await cli(['swap', '--json']);
        say(`crash at start, restart policy ${policy}: exit ${result.code}, ${report(result).outcome} in ${Math.round(performance.now() - t0)} ms: ` +
          `${result.stderr.split('\n').filter((l) => l.startsWith('hotswap:')).join(' ')}`);
        repo.write('main.go', main);
        expect(report(result).outcome, result.stderr).toBe('rolled-back');
        expect(result.code).toBe(1);
        expect(await waitRunning(sharedDocker, NAME, 10_000)).toBe(true);
        expect(await hello()).toBe(before.hello);
        expect(await containerSha256(NAME)).toBe(before.sha);
        await expectWholeBinary(sharedDocker, NAME, before.version);
        await expectNoLeftovers(sharedDocker, NAME);
      }
    } finally {
      repo.write('main.go', main);
      await ensureServing();
    }
  });

  it('rolls back a binary that serves but never answers 2xx on the health URL', async () => {
    await ensureServing();
    const routes = repo.read('server/routes.go');
    writeConfig({ target: { health: { timeoutMs: 3000 } } });
    try {
      expect((await cli(['swap'])).code).toBe(0);
      const before = { sha: await containerSha256(NAME), hello: await hello(), version: await servedVersion() };
      const broken = routes.replace('fmt.Fprint(w, "Ollama is running")', 'w.WriteHeader(http.StatusInternalServerError)\n\t\tfmt.Fprint(w, "never healthy")');
      expect(broken).not.toBe(routes);
      repo.write('server/routes.go', broken);
      repo.setMessage('never healthy');
      const t0 = performance.now();
      const result = await cli(['swap', '--json']);
      const ms = Math.round(performance.now() - t0);
      say(`never healthy: exit ${result.code}, ${report(result).outcome} in ${ms} ms: ${report(result).error?.message}`);
      expect(result.code, result.stderr).toBe(1);
      expect(report(result).outcome).toBe('rolled-back');
      expect(report(result).error?.message).toMatch(/not healthy within 3000 ms/);
      expect(await hello()).toBe(before.hello);
      expect(await containerSha256(NAME)).toBe(before.sha);
      await expectWholeBinary(sharedDocker, NAME, before.version);
      await expectNoLeftovers(sharedDocker, NAME);
    } finally {
      repo.write('server/routes.go', routes);
      writeConfig();
      await ensureServing();
    }
  });

  it('stops with one clear line when .hotswap/ is on a full file system, and leaves the container untouched', async () => {
    await ensureServing();
    const before = { sha: await containerSha256(NAME), hello: await hello() };
    const variants = [
      { size: '1m', fill: false, what: 'room for the logs and the state, not for the binary' },
      { size: '64k', fill: true, what: 'full to the last byte' },
    ];
    for (const variant of variants) {
      repo.setMessage(`never swapped: ${variant.what}`);
      const unmount = await mountTmpfs(stateDir(), variant.size);
      let result: CliResult;
      try {
        if (variant.fill) fillUp(stateDir());
        result = await cli(['swap']);
      } finally {
        await unmount();
      }
      say(`.hotswap on a ${variant.size} tmpfs, ${variant.what}: exit ${result.code}\n${result.stderr.trimEnd()}`);
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(result.stderr).not.toContain('internal error');
      const errors = errorLinesOf(result.stderr);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/no space left on device|out of diskspace/i);
      expect(errors[0]).toContain(`the file system holding ${stateDir()}`);
      expect(errors[0]).toMatch(/free space there/);
      expect(await containerSha256(NAME)).toBe(before.sha);
      expect(await hello()).toBe(before.hello);
      await expectWholeBinary(sharedDocker, NAME);
    }
    expect(tmpFilesUnder(stateDir())).toEqual([]);
  });

  describe('a notification server that accepts the call and never answers', () => {
    let server: NotifyServer | null = null;
    let dunst: number | null = null;

    afterAll(async () => {
      if (daemon) await daemon.stop('SIGKILL');
      daemon = null;
      if (dunst !== null) process.kill(dunst, 'SIGCONT');
      await server?.stop();
      writeConfig();
    });

    it('still completes the swap, and `watch` goes on to swap the next edits', async () => {
      await ensureServing();
      server = await startNotifyServer();
      const pids = childPids(process.pid, 'dunst');
      expect(pids).toHaveLength(1);
      dunst = pids[0]!;
      process.kill(dunst, 'SIGSTOP'); // it keeps the name on the bus; calls queue up unanswered
      writeConfig({ notify: { desktop: true } });
      const env = { DBUS_SESSION_BUS_ADDRESS: server.env.DBUS_SESSION_BUS_ADDRESS!, DISPLAY: server.env.DISPLAY ?? '' };
      const leftovers = () => pidsWithEnv('notify-send', 'DBUS_SESSION_BUS_ADDRESS', env.DBUS_SESSION_BUS_ADDRESS);

      repo.setMessage('notify hangs: swap');
      const t0 = performance.now();
      const result = await cli(['swap', '--json'], env);
      const ms = Math.round(performance.now() - t0);
      say(`swap with a hung notification server: exit ${result.code} in ${ms} ms (run ${report(result).totalMs} ms)`);
      expect(result.code, result.stderr).toBe(0);
      expect(report(result).outcome).toBe('swapped');
      expect(await hello()).toBe('notify hangs: swap');
      // notify-send hangs at its first call to the server (libnotify's proxy set-up), and was given up on:
      expect(readFileSync(join(stateDir(), 'hotswap.log'), 'utf8')).toMatch(/no notification server \(no answer within 3\.0 s\)/);
      expect(ms).toBeLessThan(report(result).totalMs + 8_000); // the notifier's 3 s deadline, plus start-up
      expect(leftovers()).toEqual([]);

      await startWatch(env);
      await runsReach(runCount() + 1);
      for (const text of ['notify hangs: watch 1', 'notify hangs: watch 2']) {
        repo.setMessage(text);
        await servesHello(text);
      }
      await settled(sharedDocker, NAME);
      expect(daemon!.child.exitCode).toBeNull();
      expect(leftovers()).toEqual([]);
      const log = readFileSync(join(stateDir(), 'hotswap.log'), 'utf8');
      expect(log.match(/no notification server \(no answer within 3\.0 s\)/g)).toHaveLength(2); // the swap's, the watch's
      await expectWholeBinary(sharedDocker, NAME, await servedVersion());
    });
  });
});

async function containerStatusLine(dockerFn: DockerFn, name: string): Promise<string> {
  const r = await dockerFn(['inspect', '-f', '{{.State.Status}} (exit {{.State.ExitCode}}, restart policy {{.HostConfig.RestartPolicy.Name}})', name], 20_000);
  return r.code === 0 ? r.stdout.trim() : `missing (${r.stderr.trim()})`;
}

async function containerShaVia(dockerFn: DockerFn, name: string): Promise<string> {
  const r = await dockerFn(['exec', name, 'sha256sum', BIN], 30_000);
  return r.stdout.trim().split(/\s+/)[0] ?? '';
}
