/**
 * `hotswap watch` at a real terminal (tmux): streamed container logs prefixed with the container's name,
 * the keys, Ctrl-C during a build; and for scripts: `watch --json` as NDJSON, `--json` refused where there
 * is none, the stale image in `status`, `logs -f` across restarts. Real Docker, git and go build.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { docker, removeContainer, run, RUNTIME_IMAGE } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startInTmux, type TmuxPane } from '../support/tmux.js';

const NAME = 'hs-test-terminal';
let repo: FixtureRepo;
let port: number;
let pane: TmuxPane | null = null;
let daemon: CliProcess | null = null;

const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 30_000);
const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'gm'))?.length ?? 0;
const runLines = /^\d\d:\d\d:\d\d · ✓ swapped into hs-test-terminal/m;

beforeAll(async () => {
  repo = await makeFixtureRepo();
  repo.write('.gitignore', '.hotswap/\n');
  // The server says one line at start, as ollama does (more loudly): what a log stream carries.
  repo.write('server/announce.go', 'package server\n\nimport "fmt"\n\nfunc init() { fmt.Println("serving", Message) }\n');
  await repo.commit('announce');
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port });
});

afterEach(async () => {
  await pane?.close();
  pane = null;
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('watch at a terminal', () => {
  it('streams the container log prefixed with its name, one line per run, and answers r, p and q', async () => {
    pane = await startInTmux(['watch'], repo.dir);
    await pane.waitFor(/keys: r swap now/, 30_000);
    await pane.waitFor(runLines, 60_000);
    // The new process's line, on one line behind the container's name, as compose shows it.
    await pane.waitFor(/^hs-test-terminal \| serving hello v1$/m, 20_000);
    expect(await pane.text(true)).toMatch(/\x1b\[32m(\x1b\[49m)?✓ swapped/); // colours on a TTY

    await pane.keys('r'); // swaps now, although nothing changed
    await pane.waitFor(/r: swapping now/, 10_000);
    await pane.waitFor(new RegExp(`${runLines.source}[^]*${runLines.source}`, 'm'), 60_000);
    await pane.waitFor(/(^hs-test-terminal \| serving hello v1$[^]*){2}/m, 20_000);

    await pane.keys('p');
    await pane.waitFor(/p: paused/, 10_000);
    repo.setMessage('held while paused');
    await pane.waitFor(/paused: server\/message\.go waits for p/, 20_000);
    expect(await hello()).toBe('hello v1'); // the change was held: no run started
    await pane.keys('p');
    await pane.waitFor(/p: watching again/, 10_000);
    await servesHello('held while paused');
    await pane.waitFor(/^hs-test-terminal \| serving held while paused$/m, 20_000);
    const heldRun = /^\d\d:\d\d:\d\d · ✓ swapped into hs-test-terminal · server\/message\.go · 0\.0\.0-/m;
    await pane.waitFor(heldRun, 30_000);
    expect(count(await pane.text(), heldRun)).toBe(1); // one run for the held change

    await pane.keys('q');
    const end = await pane.waitFor(/\[exited \d+\][^]*icanon/, 20_000);
    expect(end).toContain('[exited 0]');
    expect(end).not.toMatch(/-icanon/); // raw mode undone
  });

  it('Ctrl-C during a build says cancelled, exits, and leaves the container serving the old binary', async () => {
    const served = await hello();
    // -a rebuilds the standard library too: a build long enough to interrupt.
    writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { env: { CGO_ENABLED: '0', GOFLAGS: '-a' } } } });
    try {
      pane = await startInTmux(['watch', '--no-initial'], repo.dir);
      await pane.waitFor(/keys: r swap now/, 30_000);
      repo.setMessage('never served');
      await pane.waitFor(/… build \d/, 30_000);
      await pane.keys('C-c');
      const end = await pane.waitFor(/\[exited \d+\]/, 30_000);
      const screen = await pane.text();
      expect(end).toBe('[exited 0]');
      expect(screen).toMatch(/⊘ cancelled: the container still runs the old binary/);
      expect(screen).not.toMatch(/go build failed|compile error/);
      expect(await hello()).toBe(served);
    } finally {
      writeTestConfig(repo.dir, { container: NAME, port });
    }
  });
});

describe('watch for scripts, and --json', () => {
  it('watch --json prints one report per run on stdout as NDJSON; the human line stays on stderr', async () => {
    daemon = startCli(['watch', '--json', '--no-initial'], { cwd: repo.dir }); // the edit below is the only run
    await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
    // Saved as `sed -i` saves: through a temp file `server/sedXXXXXX`, which is no change of its own.
    const sed = await run('sed', ['-i', 's/const Message = ".*"/const Message = "hello ndjson"/', 'server/message.go'], { cwd: repo.dir });
    expect(sed.code, sed.stderr).toBe(0);
    await servesHello('hello ndjson');
    await daemon.waitForOutput(/"outcome":"swapped"/, 30_000);
    const lines = daemon.stdout().trimEnd().split('\n');
    const reports = lines.map((line) => JSON.parse(line) as { outcome: string; container: string });
    expect(reports.some((r) => r.outcome === 'swapped' && r.container === NAME)).toBe(true);
    expect(daemon.stderr()).toMatch(/✓ swapped into hs-test-terminal · server\/message\.go · 0\.0\.0-/);
    expect(daemon.stderr()).not.toMatch(/sed[A-Za-z0-9]{6}|and \d+ more/);
    expect(daemon.stderr()).not.toContain('\x1b['); // no colours off a TTY
  });

  it('keeps a stale image in every run line and in status until the image changes', async () => {
    daemon = startCli(['watch'], { cwd: repo.dir });
    await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
    repo.write('CMakeLists.txt', 'cmake_minimum_required(VERSION 3.21)\n');
    await daemon.waitForOutput(/skipped: image rebuild needed.*the image is stale \(CMakeLists\.txt; docker build -t/, 30_000);
    repo.setMessage('after the image change');
    await daemon.waitForOutput(/✓ swapped .* ! the image is stale \(CMakeLists\.txt; docker build -t hotswap-test\/runtime:latest \.\)/, 60_000);
    const status = await runCli(['status', '--json'], { cwd: repo.dir });
    expect(JSON.parse(status.stdout).staleImage).toEqual({ files: ['CMakeLists.txt'], rebuild: `docker build -t ${RUNTIME_IMAGE} .` });
    const text = await runCli(['status'], { cwd: repo.dir });
    expect(text.stdout).toMatch(/^image\s+the image is stale \(CMakeLists\.txt; docker build -t/m);
  });

  it.each([['logs'], ['stop']])('%s --json is refused with exit 2, what is wrong and the hint', async (command) => {
    const result = await runCli([command, '--json'], { cwd: repo.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`hotswap: \`hotswap ${command}\` has no JSON output: drop --json\nhint: see hotswap ${command} --help\n`);
  });

  it('init does not take --json at all (exit 2, what is wrong and the hint)', async () => {
    const result = await runCli(['init', '--json'], { cwd: repo.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("hotswap: unknown option '--json'\nhint: see hotswap init --help\n");
  });
});

describe('hotswap logs -f', () => {
  it('follows the container across restarts and ends when it is removed', async () => {
    daemon = startCli(['logs', '-f', '-n', '1'], { cwd: repo.dir });
    await daemon.waitForOutput(/\n/, 20_000); // following now: the last line came
    const before = count(daemon.stdout(), /^serving after the image change$/);
    for (const round of [1, 2]) {
      const restarted = await docker(['restart', '-t', '5', NAME]);
      expect(restarted.code, restarted.stderr).toBe(0);
      // Each restart's new process says its line once more.
      await daemon.waitForOutput(new RegExp(`(^serving after the image change\\n[^]*){${before + round}}`, 'm'), 30_000);
    }
    const child = daemon.child;
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    await removeContainer(NAME);
    expect(await exited).toBe(0);
  });
});
