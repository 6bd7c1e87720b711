/** `hotswap init` on a real repo: what it writes, that the config it writes is valid, and that twice is once. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let repo: FixtureRepo;
const DEVCONTAINER = `{
  // the dev image
  "image": "mcr.example/go:1",
  /* keep this comment */
  "postStartCommand": "echo hello"
}
`;

beforeAll(async () => {
  repo = await makeFixtureRepo();
  repo.write('Makefile', 'build:\n\tgo build ./...\n');
  repo.write('.devcontainer/devcontainer.json', DEVCONTAINER);
});
afterAll(async () => { await repo.remove(); });

const read = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');

describe('hotswap init', () => {
  it('writes a valid config with the detected main and version variable, .gitignore, make target and postStart', async () => {
    const r = await runCli(['init', '--makefile', '--devcontainer'], { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(read('hotswap.config.json'));
    expect(config).toMatchObject({ main: '.', build: { versionVar: 'github.com/ollama/ollama/version.Version' } });
    expect(config.$schema).toMatch(/config\/hotswap\.schema\.json$/);
    expect(read('.gitignore')).toContain('.hotswap/');
    expect(read('Makefile')).toContain('build:\n\tgo build ./...\n');
    expect(read('Makefile')).toContain('hot-swap:\n\tnpx hotswap swap --restart --verify\n');
    const dev = read('.devcontainer/devcontainer.json');
    expect(dev).toContain('// the dev image');
    expect(dev).toContain('/* keep this comment */');
    expect(dev).toContain('"postStartCommand": "echo hello && npx hotswap watch --detach"');
    const plan = await runCli(['plan', '--json'], { cwd: repo.dir }); // loads and validates the new config
    expect(plan.code, plan.stderr).toBe(0);
  });

  it('changes nothing the second time', async () => {
    const files = ['hotswap.config.json', '.gitignore', 'Makefile', '.devcontainer/devcontainer.json'];
    const before = files.map(read);
    const r = await runCli(['init', '--makefile', '--devcontainer'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to do: already set up\n');
    expect(files.map(read)).toEqual(before);
  });

  it('creates devcontainer.json when there is none, and refuses a directory outside git', async () => {
    const other = await makeFixtureRepo();
    try {
      expect((await runCli(['init', '--devcontainer'], { cwd: other.dir })).code).toBe(0);
      expect(JSON.parse(readFileSync(join(other.dir, '.devcontainer/devcontainer.json'), 'utf8')))
        .toEqual({ postStartCommand: 'npx hotswap watch --detach' });
    } finally {
      await other.remove();
    }
    const outside = await runCli(['init', '--repo', '/tmp'], { cwd: '/tmp' });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is not inside a git repository');
  });
});
