/**
 * Several targets for real: one repo with two main packages, two containers, real `go build`. `swap` brings
 * both up; under `watch`, an edit rebuilds only the targets whose build inputs it touches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { containerSha256, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const API = 'hs-test-targets-api';
const WORKER = 'hs-test-targets-worker';
let repo: FixtureRepo;
let apiPort: number;
let workerPort: number;
let daemon: CliProcess | null = null;

// A second binary of the same module: the same API (it imports server) plus /api/job from package worker,
// which the ollama binary does not import. The runtime image runs /usr/bin/ollama, so it goes there.
const WORKER_MAIN = `// Command worker is the fixture's second binary.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/ollama/ollama/server"
	"github.com/ollama/ollama/worker"
)

func main() {
	mux := http.NewServeMux()
	mux.Handle("/", server.Handler())
	mux.HandleFunc("/api/job", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, worker.Job) })
	fmt.Fprintf(os.Stderr, "worker listening on %s\\n", server.Addr())
	if err := http.ListenAndServe(server.Addr(), mux); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
`;
const setJob = (text: string) => repo.write('worker/job.go', `// Package worker is imported by cmd/worker only.\npackage worker\n\n// Job is served at /api/job.\nconst Job = ${JSON.stringify(text)}\n`);

const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
const body = async (port: number, path: string) => (await getText(url(port, path))).body;
const serves = (port: number, path: string, text: string) => waitForText(url(port, path), (b) => b === text, 30_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run { outcome: string; container: string; trigger: string; sha256: string | null }
const runs = (): Run[] => JSON.parse(readFileSync(join(repo.dir, '.hotswap', 'state.json'), 'utf8')).runs;

async function runsReach(count: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (runs().length >= count) return;
    await sleep(50);
  }
  throw new Error(`expected ${count} runs, have ${runs().length}:\n${daemon?.stderr()}`);
}

const target = (name: string, container: string, main: string, port: number) => ({
  name, container, main,
  create: { env: { OLLAMA_HOST: `127.0.0.1:${port}` } },
  health: { url: url(port, '/'), versionUrl: url(port, '/api/version') },
});

beforeAll(async () => {
  repo = await makeFixtureRepo();
  repo.write('.gitignore', '.hotswap/\n');
  repo.write('cmd/worker/main.go', WORKER_MAIN);
  setJob('job v1');
  await repo.commit('a second binary');
  [apiPort, workerPort] = [await freePort(), await freePort()];
  writeTestConfig(repo.dir, {
    container: API, port: apiPort,
    extra: { targets: [target('api', API, '.', apiPort), target('worker', WORKER, './cmd/worker', workerPort)] },
  });
  await Promise.all([startContainer({ name: API, port: apiPort }), startContainer({ name: WORKER, port: workerPort })]);
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  await removeContainer(API);
  await removeContainer(WORKER);
  await repo.remove();
});

describe('several targets', () => {
  it('swaps each target into its own container with `hotswap swap`', async () => {
    expect(await body(workerPort, '/api/job')).toBe('404 page not found\n'); // the image's ollama binary
    const result = await runCli(['swap', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    const reports = JSON.parse(result.stdout) as Run[];
    expect(reports.map((r) => [r.container, r.outcome])).toEqual([[API, 'swapped'], [WORKER, 'swapped']]);
    expect(reports[0]!.sha256).toBe(await containerSha256(API));
    expect(reports[1]!.sha256).toBe(await containerSha256(WORKER));
    expect(reports[0]!.sha256).not.toBe(reports[1]!.sha256);
    expect(await body(apiPort, '/api/hello')).toBe('hello v1');
    expect(await body(workerPort, '/api/job')).toBe('job v1');
    expect(JSON.parse(await body(workerPort, '/api/version')).version).toMatch(/^0\.0\.0-hotswap\.[0-9a-f]{8}$/);
  });

  it('shows each target in `status` and plans each in `plan`', async () => {
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: repo.dir })).stdout);
    expect(status.targets.map((t: { name: string }) => t.name)).toEqual(['api', 'worker']);
    expect(status.targets[1].lastBuilt.sha256).toBe(await containerSha256(WORKER));
    const plans = JSON.parse((await runCli(['plan', '--json'], { cwd: repo.dir })).stdout);
    expect(plans.map((p: { container: string; plan: { rebuild: boolean } }) => [p.container, p.plan.rebuild])).toEqual([[API, false], [WORKER, false]]);
    const worker = JSON.parse((await runCli(['plan', '--json', '--container', 'worker'], { cwd: repo.dir })).stdout);
    expect(worker.container).toBe(WORKER);
  });

  it('under `watch`, rebuilds only the targets whose build inputs an edit touches', async () => {
    daemon = startCli(['watch'], { cwd: repo.dir });
    await daemon.waitForOutput(/watching .* \(pid \d+/, 20_000);
    await runsReach(runs().length + 2); // the start-up check, once per target: both up to date
    const apiSha = await containerSha256(API);

    let before = runs().length;
    setJob('job v2'); // only the worker imports package worker
    await serves(workerPort, '/api/job', 'job v2');
    await runsReach(before + 2);
    const onlyWorker = runs().slice(before);
    expect(onlyWorker.filter((r) => r.container === WORKER).map((r) => r.outcome)).toContain('swapped');
    // Needs the planner's build-input graph (src/plan/planner.ts): the path classifier alone rebuilds both.
    expect(onlyWorker.filter((r) => r.container === API).map((r) => r.outcome), daemon.stderr()).not.toContain('swapped');
    expect(await containerSha256(API)).toBe(apiSha);

    before = runs().length;
    repo.setMessage('hello both'); // package server: in both binaries
    await serves(apiPort, '/api/hello', 'hello both');
    await serves(workerPort, '/api/hello', 'hello both');
    await runsReach(before + 2);
    const both = runs().slice(before).filter((r) => r.outcome === 'swapped').map((r) => r.container);
    expect(both).toEqual([API, WORKER]);
    expect(await body(workerPort, '/api/job')).toBe('job v2');
  });
});
