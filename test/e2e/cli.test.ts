/**
 * Living with hotswap in a terminal, through the built CLI: each command's help (its own flags first, the shared
 * ones, examples, the defaults the config gives), the two-line error, shared flags before the command, shell
 * completion, a JSONC config with target.health.allowRemote, and `stop` of a daemon whose parent never reaps it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, startCli } from '../support/cli.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { CLI } from '../support/paths.js';

/** Nothing here needs Docker: a socket that does not exist makes any use of it fail loudly. */
const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent.sock' };
let repo: FixtureRepo;

beforeAll(async () => {
  repo = await makeFixtureRepo();
  // JSONC, as devcontainer.json: the commands below must read it.
  repo.write('hotswap.config.json', `{
  // the dev container's server, reached on the Docker host
  "target": {
    "container": "dev-ollama", /* not ollama-gpu */
    "restart": false,
    "health": { "url": "http://host.docker.internal:11434/", "versionUrl": null, "allowRemote": true }
  },
  "watch": { "debounceMs": 350 }
}
`);
});
afterAll(async () => { await repo?.remove(); });

const hotswap = (args: string[]) => runCli(args, { cwd: repo.dir, env: NO_DOCKER, timeoutMs: 30_000 });

describe.concurrent('help', () => {
  it("lists the command's own flags first, then the shared ones, then examples", async () => {
    const r = await hotswap(['watch', '--help']);
    expect(r.code, r.stderr).toBe(0);
    const at = (text: string) => r.stdout.indexOf(text);
    expect(at('--detach')).toBeGreaterThan(0);
    expect(at('--detach')).toBeLessThan(at('Build and swap options:'));
    expect(at('Build and swap options:')).toBeLessThan(at('Shared options (also before the command):'));
    expect(at('Shared options (also before the command):')).toBeLessThan(at('--container <name>'));
    expect(r.stdout).toMatch(/\nExamples:\n {2}\$ hotswap watch\n {2}\$ hotswap watch --detach\n/);
  });

  it('shows the defaults the config in effect gives, not the built-in ones', async () => {
    const r = await hotswap(['watch', '--help']);
    const config = join(repo.dir, 'hotswap.config.json');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`(default: dev-ollama, from ${config})`);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`(default: 350, from ${config})`);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`--restart restart the container after the swap (default: false, from ${config})`);
    const elsewhere = await runCli(['swap', '--help'], { cwd: '/', env: NO_DOCKER });
    expect(elsewhere.stdout.replace(/\s+/g, ' ')).toContain('(default: ollama-gpu)');
  });

  it.each(['swap', 'watch', 'stop', 'rollback', 'backups', 'logs', 'plan', 'init', 'doctor', 'status', 'completion', 'bisect'])(
    '%s --help has an Examples section',
    async (command) => {
      const r = await hotswap([command, '--help']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`\\nExamples:\\n {2}\\$ .*${command}`));
    },
  );
});

describe.concurrent('errors and shared flags', () => {
  it('says what is wrong on one line and what to do on a second, pointing at the command\'s help', async () => {
    const r = await hotswap(['plan', '--form', 'HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("hotswap: unknown option '--form' (Did you mean --from?)\nhint: see hotswap plan --help\n");
  });

  it('takes the shared flags before the command', async () => {
    const json = await hotswap(['--json', 'plan']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'planned', container: 'dev-ollama' }); // the JSONC config was read
    const missing = await hotswap(['--config', 'nope.json', 'plan']);
    expect(missing.code).toBe(2);
    expect(errorLinesOf(missing.stderr)).toEqual([expect.stringMatching(/^hotswap: config file not found: .*nope\.json\nhint: /)]);
  });

  it('refuses a shared flag before a command that does not take it, as after it', async () => {
    const r = await hotswap(['--config', 'x.json', 'init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hotswap: hotswap init does not take --config\nhint: see hotswap init --help\n');
  });

  it('refuses a non-loopback health URL without allowRemote, and says how to allow it', async () => {
    repo.write('bad/remote.json', JSON.stringify({ target: { health: { url: 'http://host.docker.internal:11434/' } } }));
    const r = await hotswap(['plan', '--config', 'bad/remote.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hotswap: invalid config .*target\.health\.url: .*unless target\.health\.allowRemote is true/);
  });
});

describe('completion', () => {
  it('bash: registers hotswap and completes commands, and each command\'s flags', async () => {
    const complete = (words: string) => execFileSync('bash', ['-c', `
      source <(node ${JSON.stringify(CLI)} completion bash)
      complete -p hotswap
      COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _hotswap; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
    const [registered, commands] = complete("hotswap 'st'").trim().split('\n');
    expect(registered).toBe('complete -F _hotswap hotswap');
    expect(commands).toBe('stop status');
    expect(complete("hotswap --container x watch '--de'").trim().split('\n')[1]).toBe('--detach --debounce');
    expect(complete("hotswap logs '-'").trim().split('\n')[1]!.split(' ')).toEqual(expect.arrayContaining(['-n', '--lines', '-f', '--follow', '--config']));
  });

  it('fish and zsh print their scripts; an unknown shell is bad input', async () => {
    const fish = await hotswap(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c hotswap -n '__fish_seen_subcommand_from watch' -l detach");
    const zsh = await hotswap(['completion', 'zsh']);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -F _hotswap hotswap');
    const bad = await hotswap(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("hotswap: unknown shell 'tcsh': use bash, zsh, fish\nhint: see hotswap completion --help\n");
  });
});

describe('stop', () => {
  it('returns once the daemon has exited, even when its parent never reaps it (a zombie), and a new watch starts', async () => {
    const out = join(repo.dir, 'zombie-parent.out');
    // The parent blocks in Atomics.wait and never runs its event loop, so it never reaps the daemon: the daemon
    // becomes a zombie when it exits, as under a dev container whose PID 1 (`sleep infinity`) does not reap.
    const parentScript = `
      const fs = require('node:fs');
      const fd = fs.openSync(${JSON.stringify(out)}, 'a');
      const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(CLI)}, 'watch', '--dry-run'], { stdio: ['ignore', fd, fd] });
      fs.writeSync(fd, 'daemon pid ' + c.pid + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], { cwd: repo.dir, env: { ...process.env, ...NO_DOCKER }, stdio: 'ignore' });
    try {
      await expect.poll(() => readFileSync(out, 'utf8'), { timeout: 30_000, interval: 100 }).toMatch(/planned: /);
      const pid = Number(/daemon pid (\d+)/.exec(readFileSync(out, 'utf8'))![1]);
      const stop = await runCli(['stop'], { cwd: repo.dir, env: NO_DOCKER, timeoutMs: 10_000 });
      expect(stop.timedOut, stop.stderr).toBeFalsy();
      expect(stop.code, stop.stderr).toBe(0);
      expect(stop.stderr).toContain(`stopped hotswap watch (pid ${pid})`);
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]).toBe('Z'); // exited, not reaped
      const again = startCli(['watch', '--dry-run'], { cwd: repo.dir, env: NO_DOCKER });
      try {
        await again.waitForOutput(/planned: /, 30_000);
      } finally {
        await again.stop('SIGTERM');
      }
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
