/** `main: auto`: ./cmd/ollama when it is a main package, else the repo root (where real ollama's main is). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';

const PACKAGE_MAIN = /^\s*package\s+main\b/m;

/**
 * Where packages are looked at: the sources of a directory's non-test .go files (dir relative to the repo,
 * '' for the root), and how to name that place in a message. The work tree, or a git tree (`plan --to`).
 */
export interface PackageSources {
  goSources(dir: string): Promise<string[]>;
  /** "in /repo" or "in /repo at v1.2". */
  readonly where: string;
}

export function workTreeSources(repo: string): PackageSources {
  return {
    where: `in ${repo}`,
    async goSources(dir) {
      const names = (await readdir(join(repo, dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'));
      return Promise.all(names.map((name) => readFile(join(repo, dir, name), 'utf8')));
    },
  };
}

const isMainPackage = async (sources: PackageSources, dir: string) => (await sources.goSources(dir)).some((text) => PACKAGE_MAIN.test(text));

export async function resolveMainPackage(sources: PackageSources, main: string): Promise<string> {
  if (main !== 'auto') {
    if (!(await isMainPackage(sources, main))) {
      throw usageError(`--main ${main} is not a Go main package ${sources.where}`, {
        hint: 'point main at the directory holding `package main` (for ollama: .)', phase: 'build',
      });
    }
    return main.startsWith('.') ? main : `./${main}`;
  }
  if (await isMainPackage(sources, 'cmd/ollama')) return './cmd/ollama';
  if (await isMainPackage(sources, '')) return '.';
  throw usageError(`no Go main package found ${sources.where} (looked at ./cmd/ollama and .)`, {
    hint: 'set "main" in hotswap.config.json or pass --main ./path/to/main', phase: 'build',
  });
}
