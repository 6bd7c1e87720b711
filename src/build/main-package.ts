/** `main: auto`: ./cmd/ollama when it is a main package, else the repo root (where real ollama's main is). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';

const PACKAGE_MAIN = /^\s*package\s+main\b/m;

async function isMainPackage(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.go') || name.endsWith('_test.go')) continue;
    if (PACKAGE_MAIN.test(await readFile(join(dir, name), 'utf8'))) return true;
  }
  return false;
}

export async function resolveMainPackage(repo: string, main: string): Promise<string> {
  if (main !== 'auto') {
    if (!(await isMainPackage(join(repo, main)))) {
      throw usageError(`--main ${main} is not a Go main package in ${repo}`, {
        hint: 'point main at the directory holding `package main` (for ollama: .)', phase: 'build',
      });
    }
    return main.startsWith('.') ? main : `./${main}`;
  }
  if (await isMainPackage(join(repo, 'cmd', 'ollama'))) return './cmd/ollama';
  if (await isMainPackage(repo)) return '.';
  throw usageError(`no Go main package found in ${repo} (looked at ./cmd/ollama and .)`, {
    hint: 'set "main" in hotswap.config.json or pass --main ./path/to/main', phase: 'build',
  });
}
