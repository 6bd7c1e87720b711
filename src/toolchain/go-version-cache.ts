/**
 * `go version`'s answer kept in `.hotswap/go-version.json`, keyed on the go binary PATH finds, the
 * variables that pick a toolchain (go-version.ts `goVersionKey`) and go.mod's go and toolchain lines: a one-shot command reads a file instead of
 * starting go, which costs ~30 ms of a core at start-up, when the build is about to need both.
 */
import { execFile } from 'node:child_process';
import { readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { statePath } from '../state/store.js';
import { goVersionKey, parseGoVersion, savedGoVersion } from './go-version.js';

const askGo = (go: string) => promisify(execFile)(go, ['version']).then(({ stdout }) => parseGoVersion(stdout), () => null);

/**
 * The binary and the variables, and go.mod's `go` and `toolchain` lines: with GOTOOLCHAIN=auto they can make
 * the same binary run (and answer for) another toolchain.
 */
async function keyOf(go: string, gomod: string): Promise<string> {
  const path = await realpath(go);
  const { ino, size, mtimeMs } = await stat(path);
  const lines = gomod.split('\n').map((l) => l.trim()).filter((l) => /^(go|toolchain)\s/.test(l));
  return [goVersionKey({ path, ino, size, mtimeMs }, process.env), ...lines].join('\n');
}

/** Written whole (a private file renamed), so a reader never sees half of it. */
async function save(file: string, saved: { key: string; version: string }): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(saved), { mode: 0o600 });
  await rename(temp, file);
}

/**
 * The version of `go` (its path on PATH), from `repo`'s .hotswap when that binary answered before for this
 * go.mod (its text, as hostTools read it); null when unknown.
 */
export async function goVersionOf(repo: string, go: string, gomod: string): Promise<string | null> {
  const key = await keyOf(go, gomod).catch(() => null);
  if (key === null) return askGo(go);
  const file = statePath(repo, 'go-version.json');
  const saved = savedGoVersion(await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => null), key);
  if (saved !== undefined) return saved;
  const version = await askGo(go);
  // Best effort: with no .hotswap yet (doctor in a new repo) the next command asks again.
  if (version) await save(file, { key, version }).catch(() => undefined);
  return version;
}
