/**
 * `hotswap init [--makefile] [--devcontainer]`: sets a Go repo up for hotswap. Idempotent: every file is
 * written only when it lacks what init adds.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { resolveMainPackage, workTreeSources } from '../builders/main-package.js';
import { messageOf, usageError } from '../errors.js';
import { CONTAINER_NAME, containerNameMessage } from '../config/schema.js';
import { configText, INIT_CONTAINER, runnerFor, schemaUrlFor, withGitignore, withMakeTarget, withPostStart, type InitConfig } from '../init/files.js';
import type { ContainerCreation } from '../docker/client.js';
import { dockerfileTags, isOllama, OLLAMA_IMAGE_INPUTS } from '../init/ollama.js';
import { openRepo } from '../git/repo.js';
import { modulePathOf } from '../plan/go/modules.js';
import { CONFIG_FILE_NAME } from '../config/load.js';

export interface InitFlags {
  repo?: string;
  makefile?: boolean;
  devcontainer?: boolean;
  container?: string;
  /** hotswap's own version: the files init writes call this major. */
  version: string;
}

/** init never waits long for an engine that accepts connections but does not answer. */
const DOCKER_WAIT_MS = 5_000;

async function update(file: string, change: (current: string) => string | null): Promise<boolean> {
  const current = await readFile(file, 'utf8').catch(() => '');
  const next = change(current);
  if (next === null) return false;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, next);
  return true;
}

/** go.mod's module path; a repo without one is not a Go module (exit 2). */
async function moduleOf(repo: string): Promise<string> {
  const goMod = await readFile(join(repo, 'go.mod'), 'utf8').catch(() => '');
  const module = modulePathOf(goMod);
  if (!module) throw usageError(`no go.mod in ${repo}`, { hint: 'run hotswap init at the root of a Go module' });
  return module;
}

/** `<module>/version.Version` when the repo has such a variable (ollama does), else no stamp. */
async function versionVar(repo: string, module: string): Promise<string | null> {
  const source = await readFile(join(repo, 'version', 'version.go'), 'utf8').catch(() => '');
  return /\bvar\s+Version\b/.test(source) ? `${module}/version.Version` : null;
}

/**
 * How the existing container was made (image and `docker run` settings), so a removed one can be recreated
 * as it was; null when there is none. Docker is optional for init: an engine that does not answer is said in
 * one line, and init goes on.
 */
async function existingContainer(name: string, notes: string[]): Promise<ContainerCreation | null> {
  const { connectDocker } = await import('../docker/docker.js'); // dockerode loads only for ollama repos
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Docker did not answer within ${DOCKER_WAIT_MS / 1000} s`)), DOCKER_WAIT_MS);
  });
  try {
    return await Promise.race([connectDocker().creationOf(name), hung]);
  } catch (e) {
    notes.push(`target.image not recorded: ${messageOf(e)}`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the new config says: main, stamp and, for ollama, its image inputs, build tags and container. No
 * builder image: the default follows go.mod's go line, where a written one would go stale at the next bump.
 */
async function configFor(repo: string, container: string, version: string, notes: string[]): Promise<InitConfig> {
  const module = await moduleOf(repo);
  const [main, stamp] = await Promise.all([resolveMainPackage(workTreeSources(repo), 'auto'), versionVar(repo, module)]);
  const base = { schema: schemaUrlFor(version), main, versionVar: stamp, container };
  if (!isOllama(module)) return base;
  const existing = await existingContainer(container, notes);
  const tags = dockerfileTags(await readFile(join(repo, 'Dockerfile'), 'utf8').catch(() => ''));
  const imageInputs = OLLAMA_IMAGE_INPUTS.map((i) => i.glob);
  return { ...base, tags, ...existing, imageInputs };
}

export async function initCommand(flags: InitFlags): Promise<number> {
  const repo = resolve(flags.repo ?? process.cwd());
  const container = flags.container ?? INIT_CONTAINER;
  if (!CONTAINER_NAME.test(container)) throw usageError(`--container ${JSON.stringify(container)}: ${containerNameMessage}`);
  const git = await openRepo(repo); // exit 2 outside a git work tree
  await git.close();
  const changed: string[] = [];
  const note = (did: boolean, what: string) => { if (did) changed.push(what); };
  const configFile = join(repo, CONFIG_FILE_NAME);
  const notes: string[] = [];
  if (!existsSync(configFile)) {
    const config = await configFor(repo, container, flags.version, notes);
    await writeFile(configFile, configText(config));
    const extras = [config.imageInputs && ', ollama image inputs', config.image && `, image ${config.image}`];
    changed.push(`hotswap.config.json (main ${config.main}${extras.filter(Boolean).join('')})`);
  }
  note(await update(join(repo, '.gitignore'), withGitignore), '.gitignore (.hotswap/)');
  if (flags.makefile) note(await update(join(repo, 'Makefile'), (c) => withMakeTarget(c, runnerFor(flags.version))), 'Makefile (hot-swap target)');
  if (flags.devcontainer) {
    note(await update(join(repo, '.devcontainer', 'devcontainer.json'), (c) => withPostStart(c, runnerFor(flags.version))), '.devcontainer/devcontainer.json (postStartCommand)');
  }
  process.stdout.write(changed.length ? changed.map((c) => `wrote ${c}\n`).join('') : 'nothing to do: already set up\n');
  for (const line of notes) process.stderr.write(`hotswap: ${line}\n`);
  return 0;
}
