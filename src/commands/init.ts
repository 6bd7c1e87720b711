/**
 * `hotswap init [--makefile] [--devcontainer]`: sets a Go repo up for hotswap. Idempotent: every file is
 * written only when it lacks what init adds.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveMainPackage, workTreeSources } from '../build/main-package.js';
import { usageError } from '../errors.js';
import { configText, withGitignore, withMakeTarget, withPostStart } from '../init/files.js';
import { openRepo } from '../plan/git.js';
import { modulePathOf } from '../plan/go/modules.js';
import { CONFIG_FILE_NAME } from '../config/load.js';

export interface InitFlags {
  repo?: string;
  makefile?: boolean;
  devcontainer?: boolean;
}

const SCHEMA = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'hotswap.schema.json');

async function update(file: string, change: (current: string) => string | null): Promise<boolean> {
  const current = await readFile(file, 'utf8').catch(() => '');
  const next = change(current);
  if (next === null) return false;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, next);
  return true;
}

/** `<module>/version.Version` when the repo has such a variable (ollama does), else no stamp. */
async function versionVar(repo: string): Promise<string | null> {
  const gomod = await readFile(join(repo, 'go.mod'), 'utf8').catch(() => '');
  const module = modulePathOf(gomod);
  if (!module) throw usageError(`no go.mod in ${repo}`, { hint: 'run hotswap init at the root of a Go module' });
  const source = await readFile(join(repo, 'version', 'version.go'), 'utf8').catch(() => '');
  return /\bvar\s+Version\b/.test(source) ? `${module}/version.Version` : null;
}

export async function initCommand(flags: InitFlags): Promise<number> {
  const repo = resolve(flags.repo ?? process.cwd());
  const git = await openRepo(repo); // exit 2 outside a git work tree
  await git.close();
  const changed: string[] = [];
  const note = (did: boolean, what: string) => { if (did) changed.push(what); };
  const configFile = join(repo, CONFIG_FILE_NAME);
  if (!existsSync(configFile)) {
    const [main, stamp] = await Promise.all([resolveMainPackage(workTreeSources(repo), 'auto'), versionVar(repo)]);
    await writeFile(configFile, configText({ schema: relative(repo, SCHEMA).split('\\').join('/'), main, versionVar: stamp }));
    changed.push(`hotswap.config.json (main ${main})`);
  }
  note(await update(join(repo, '.gitignore'), withGitignore), '.gitignore (.hotswap/)');
  if (flags.makefile) note(await update(join(repo, 'Makefile'), withMakeTarget), 'Makefile (hot-swap target)');
  if (flags.devcontainer) {
    note(await update(join(repo, '.devcontainer', 'devcontainer.json'), withPostStart), '.devcontainer/devcontainer.json (postStartCommand)');
  }
  process.stdout.write(changed.length ? changed.map((c) => `wrote ${c}\n`).join('') : 'nothing to do: already set up\n');
  return 0;
}
