import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEphemeral } from '../../src/watch/ephemeral.js';
import { createIgnoreRules, loadIgnoreRules } from '../../src/watch/ignore.js';

let repo: string;
beforeEach(() => {
  repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-ignore-')));
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

function write(rel: string, content = ''): void {
  fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  fs.writeFileSync(path.join(repo, rel), content);
}

describe('editor temp files', () => {
  it.each([
    ['4913', 'vim write probe'],
    ['5036', 'vim write probe, second try'],
    ['.routes.go.swp', 'vim swap'],
    ['.routes.go.swx', 'vim swap probe'],
    ['.routes.go.swo', 'vim second swap'],
    ['routes.go~', 'vim/emacs backup'],
    ['routes.go___jb_tmp___', 'JetBrains safe write'],
    ['routes.go___jb_old___', 'JetBrains safe write'],
    ['.#routes.go', 'emacs lock'],
    ['#routes.go#', 'emacs auto-save'],
    ['.routes.go.kate-swp', 'kate swap'],
    ['ollama-go-tmp-umask', 'go build umask probe'],
    ['routes.go.tmp', 'atomic writer'],
    ['routes.go.TMP.4242', 'atomic writer with a pid'],
    ['routes.go.tmp.4242.1700000000', 'atomic writer with a pid and time'],
    ['sedAb12Cd', 'GNU sed -i'],
    ['.goutputstream-AB12CD', 'GLib safe save'],
  ])('ignores %s (%s)', (name) => {
    expect(isEphemeral(name)).toBe(true);
    expect(createIgnoreRules(repo).isIgnored(`server/${name}`, false)).toBe(true);
  });

  it.each(['routes.go', '4914', '1234', 'movie.swf', 'go.sum', 'a#b.go', 'Makefile', 'page.tmpl', 'tmp.go', 'sediment.go', 'sedAb12.go'])('keeps %s', (name) => {
    expect(isEphemeral(name)).toBe(false);
    expect(createIgnoreRules(repo).isIgnored(name, false)).toBe(false);
  });
});

describe('IgnoreRules', () => {
  it('always ignores .git, .hotswap and node_modules, at any depth', () => {
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('.git', true)).toBe(true);
    expect(rules.isIgnored('.git/index', false)).toBe(true);
    expect(rules.isIgnored('.hotswap/state.json')).toBe(true);
    expect(rules.isIgnored('web/node_modules/x/index.js', false)).toBe(true);
    expect(rules.isIgnored('server/routes.go', false)).toBe(false);
  });

  it('is sure without the kind or the path\'s own git rules only for names, globs and ignored ancestors', async () => {
    write('.gitignore', '*.log\nbuild/\n');
    const rules = await loadIgnoreRules(repo, ['docs/**']);
    expect(rules.isSurelyIgnored('.hotswap')).toBe(true);
    expect(rules.isSurelyIgnored('server/.routes.go.swp')).toBe(true);
    expect(rules.isSurelyIgnored('docs/a.md')).toBe(true);
    expect(rules.isIgnored('build', true)).toBe(true);
    expect(rules.isSurelyIgnored('build/obj/a.o')).toBe(true); // below an ignored directory
    // Its own rule decides these: not sure until the kind is known (the watcher asks again with it).
    expect(rules.isSurelyIgnored('x/app.log')).toBe(false);
    expect(rules.isIgnored('x/app.log', false)).toBe(true);
    expect(rules.isSurelyIgnored('server/routes.go')).toBe(false);
  });

  it('applies the root .gitignore, directory-only patterns only to directories', () => {
    write('.gitignore', '*.log\nbuild/\n');
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('x/app.log', false)).toBe(true);
    expect(rules.isIgnored('build', true)).toBe(true);
    expect(rules.isIgnored('build', false)).toBe(false);
    expect(rules.isIgnored('build/out.go', false)).toBe(true);
    // Kind unknown (chokidar's first, stat-less call): ignored only when it would be either way.
    expect(rules.isIgnored('build')).toBe(false);
    expect(rules.isIgnored('x/app.log')).toBe(true);
  });

  it('applies nested .gitignore files relative to their directory, deeper files winning', () => {
    write('.gitignore', '*.gen.go\n');
    write('server/.gitignore', 'local.go\n!keep.gen.go\n');
    write('server/api/.gitignore', '/fixtures/\n');
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('server/local.go', false)).toBe(true);
    expect(rules.isIgnored('server/sub/local.go', false)).toBe(true);
    expect(rules.isIgnored('local.go', false)).toBe(false);
    expect(rules.isIgnored('server/a.gen.go', false)).toBe(true);
    expect(rules.isIgnored('server/keep.gen.go', false)).toBe(false);
    expect(rules.isIgnored('server/api/fixtures/x.json', false)).toBe(true);
    expect(rules.isIgnored('server/fixtures/x.json', false)).toBe(false);
  });

  it('re-includes a file with a negation, but not inside an ignored directory', () => {
    write('.gitignore', 'gen/*\n!gen/keep.go\nout/\n!out/keep.go\n');
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('gen/a.go', false)).toBe(true);
    expect(rules.isIgnored('gen/keep.go', false)).toBe(false);
    expect(rules.isIgnored('out/keep.go', false)).toBe(true);
  });

  it('reads .git/info/exclude', () => {
    write('.git/info/exclude', 'scratch/\n');
    expect(createIgnoreRules(repo).isIgnored('scratch/a.go', false)).toBe(true);
  });

  it('matches watch.ignore globs relative to the repo, dotfiles included', async () => {
    const rules = await loadIgnoreRules(repo, ['docs/**', './**/*.md', 'app']);
    expect(rules.isIgnored('docs/api.go', false)).toBe(true);
    expect(rules.isIgnored('docs/.hidden/x.go', false)).toBe(true);
    expect(rules.isIgnored('server/README.md', false)).toBe(true);
    expect(rules.isIgnored('app/main.go', false)).toBe(true);
    expect(rules.isIgnored('server/docs/api.go', false)).toBe(false);
  });

  it('sees a .gitignore added or edited later once invalidated', () => {
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('server/tmp.go', false)).toBe(false);
    write('server/.gitignore', 'tmp.go\n');
    expect(rules.invalidate('server/routes.go')).toBe(false);
    expect(rules.invalidate('server/.gitignore')).toBe(true);
    expect(rules.isIgnored('server/tmp.go', false)).toBe(true);
    write('server/.gitignore', '');
    rules.invalidate('server/.gitignore');
    expect(rules.isIgnored('server/tmp.go', false)).toBe(false);
  });

  it('normalizes a path before deciding, and takes a normal one as it is', () => {
    write('.gitignore', '*.log\n/build/\n');
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('server//x/../app.log', false)).toBe(true);
    expect(rules.isIgnored('./build/a.go', false)).toBe(true);
    expect(rules.isIgnored('server/./build/../main.go', false)).toBe(false);
    expect(rules.isIgnored('x/..', true)).toBe(false);
    expect(rules.isIgnored('server/..log.go', false)).toBe(false);
  });

  it('keeps what it read until released, then reads the rules again', () => {
    write('.gitignore', '*.log\n');
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('x/app.log', false)).toBe(true);
    write('.gitignore', '*.out\n');
    expect(rules.isIgnored('x/app.log', false)).toBe(true);
    rules.release();
    expect(rules.isIgnored('x/app.log', false)).toBe(false);
    expect(rules.isIgnored('x/app.out', false)).toBe(true);
  });

  it('ignores nothing outside the repo but editor temp files', () => {
    const rules = createIgnoreRules(repo);
    expect(rules.isIgnored('../other/main.go', false)).toBe(false);
    expect(rules.isIgnored('../other/.main.go.swp', false)).toBe(true);
    expect(rules.isIgnored('.')).toBe(false);
  });

  it('agrees with git check-ignore', () => {
    write('.gitignore', '*.out\n/bin/\nvendor/**/testdata\n!important.out\ntmp*\n');
    write('cmd/.gitignore', '*.go\n!main.go\n');
    const paths = ['a.out', 'important.out', 'sub/important.out', 'bin/x', 'cmd/bin/x', 'vendor/a/b/testdata/f',
      'vendor/testdata/f', 'cmd/main.go', 'cmd/util.go', 'cmd/sub/util.go', 'notes.txt', 'tmpdir/x.go', 'server/tmp.go', 'main.go'];
    execFileSync('git', ['init', '-q'], { cwd: repo });
    write('.git/info/exclude', 'notes.txt\n');
    for (const p of paths) write(p);
    const gitIgnored = checkIgnore(paths);
    expect(gitIgnored.size).toBeGreaterThan(6); // the comparison means something
    const rules = createIgnoreRules(repo);
    expect(paths.filter((p) => rules.isIgnored(p, false))).toEqual(paths.filter((p) => gitIgnored.has(p)));
  });
});

function checkIgnore(paths: string[]): Set<string> {
  try {
    return new Set(execFileSync('git', ['check-ignore', ...paths], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean));
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? '';
    return new Set(out.split('\n').filter(Boolean)); // exit 1: nothing ignored
  }
}
