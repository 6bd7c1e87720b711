/** What the host has to build with: go and its version, go.mod's go line, a C compiler. Asked, never assumed. */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { goVersionOf } from './go-version-cache.js';
import { parseGoModVersion, type HostTools } from './go-version.js';

/** The file `program` names: itself when it is a path, else the first executable of that name on PATH; null when none. */
export async function findOnPath(program: string): Promise<string | null> {
  const candidates = isAbsolute(program) ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const file of candidates) {
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  return null;
}

export const onPath = async (program: string): Promise<boolean> => (await findOnPath(program)) !== null;

/** The local Go's version, asked once per process (a daemon builds many times), from the saved answer when go is unchanged. */
let localGoVersion: Promise<string | null> | null = null;
const goVersion = (repo: string, go: string, gomod: string) => (localGoVersion ??= goVersionOf(repo, go, gomod));

async function askHostTools(repo: string): Promise<HostTools> {
  // $CC may carry flags ("gcc -m64"); its first word is the program.
  const cc = process.env.CC?.trim().split(/\s+/)[0];
  const compilers = cc ? [cc] : ['gcc', 'cc'];
  const [found, go, gomod] = await Promise.all([
    Promise.all(compilers.map(onPath)), findOnPath('go'), readFile(join(repo, 'go.mod'), 'utf8').catch(() => ''),
  ]);
  return {
    go: go !== null, goVersion: go ? await goVersion(repo, go, gomod) : null, goModVersion: parseGoModVersion(gomod),
    cc: found.some(Boolean), ccName: compilers.join('/'),
  };
}

/** One-shot commands ask once, early (askHostToolsEarly); a daemon asks at each call, since tools may come and go. */
let early: { readonly repo: string; readonly tools: Promise<HostTools> } | null = null;

/**
 * Asks about `repo`'s tools now, while start-up work runs, and answers every later hostTools(repo) of this
 * process with it: a build then starts on answers already there. For a process that lives one command.
 */
export function askHostToolsEarly(repo: string): void {
  if (early?.repo !== repo) early = { repo, tools: askHostTools(repo) };
}

export const hostTools = (repo: string): Promise<HostTools> => (early?.repo === repo ? early.tools : askHostTools(repo));
