// A throw-away git repository holding a copy of the ollama-mini fixture, one commit on `main`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_DIR } from './paths.js';
import { run } from './docker.js';

export interface FixtureRepo {
  /** Absolute path of the work tree. */
  dir: string;
  /** Writes a file (creating parent dirs), relative to `dir`. Synchronous, so a missing await cannot race. */
  write(rel: string, content: string): void;
  read(rel: string): string;
  /** Rewrites `const Message = "..."` in server/message.go (served at /api/hello). */
  setMessage(text: string): void;
  /** Makes the binary panic as it starts (exit 2, before it listens); returns the undo. */
  crashAtStart(): () => void;
  /** Makes `serve` wait `ms` before it listens (a slow start, to stop it during the health check); returns the undo. */
  slowStart(ms: number): () => void;
  /** `git add -A && git commit`; resolves with the new HEAD sha. */
  commit(msg: string): Promise<string>;
  /** Any git command in the repo; resolves with trimmed stdout, throws on failure. */
  git(...args: string[]): Promise<string>;
  remove(): Promise<void>;
}

export interface FixtureOptions {
  /** Commit a `.gitignore` naming `.hotswap/`, as a user's repo does once hotswap is set up. */
  readonly ignoreState?: boolean;
}

export async function makeFixtureRepo({ ignoreState = false }: FixtureOptions = {}): Promise<FixtureRepo> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hotswap-fixture-'));
  await fs.promises.cp(FIXTURE_DIR, dir, { recursive: true });

  // Without GIT_* from the parent (a test may run inside a git hook), and without the user's global config.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });
  const git = async (...args: string[]): Promise<string> => {
    const r = await run('git', args, { cwd: dir, env });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed in ${dir}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  const abs = (rel: string): string => path.join(dir, rel);

  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'hotswap test');
  await git('config', 'user.email', 'hotswap-test@example.invalid');
  await git('config', 'commit.gpgsign', 'false');

  const repo: FixtureRepo = {
    dir,
    write(rel, content) {
      fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
      fs.writeFileSync(abs(rel), content);
    },
    read: (rel) => fs.readFileSync(abs(rel), 'utf8'),
    setMessage(text) {
      const file = 'server/message.go';
      const src = repo.read(file);
      const next = src.replace(/const Message = ".*"/, () => `const Message = ${JSON.stringify(text)}`);
      if (next === src && !src.includes(`const Message = ${JSON.stringify(text)}`)) throw new Error(`setMessage: no Message constant in ${file}`);
      repo.write(file, next);
    },
    crashAtStart() {
      const main = repo.read('main.go');
      const broken = main.replace('func main() {', 'func main() {\n\tpanic("crash at start")');
      if (broken === main) throw new Error('crashAtStart: no func main in main.go');
      repo.write('main.go', broken);
      return () => repo.write('main.go', main);
    },
    slowStart(ms) {
      const main = repo.read('main.go');
      const slow = main.replace('import (\n\t"os"', 'import (\n\t"os"\n\t"time"')
        .replace('func main() {', `func main() {\n\tif len(os.Args) > 1 && os.Args[1] == "serve" {\n\t\ttime.Sleep(${ms} * time.Millisecond)\n\t}`);
      if (!slow.includes('"time"') || !slow.includes('time.Sleep')) throw new Error('slowStart: main.go is not as expected');
      repo.write('main.go', slow);
      return () => repo.write('main.go', main);
    },
    async commit(msg) {
      await git('add', '-A');
      await git('commit', '-q', '--allow-empty', '-m', msg);
      return git('rev-parse', 'HEAD');
    },
    git,
    remove: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
  await repo.commit('ollama-mini fixture');
  if (ignoreState) {
    repo.write('.gitignore', '.hotswap/\n');
    await repo.commit('ignore .hotswap');
  }
  return repo;
}
