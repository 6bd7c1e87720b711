// What the benches share: the repo root, percentiles, a fixture repo in a temp dir and its config.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const RUNTIME_IMAGE = 'hotswap-test/runtime:latest';

/** The q-quantile (0.5 = median) by rank. */
export function percentile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))];
}
export const median = (xs) => percentile(xs, 0.5);

export const buildImage = (script) => execFileSync('bash', [path.join(ROOT, 'scripts', script)]);

/** The ollama-mini fixture as a fresh git repo (with .hotswap/ ignored); returns its directory. */
export function makeBenchRepo(name) {
  const repo = mkdtempSync(path.join(os.tmpdir(), `hotswap-bench-${name}-`));
  cpSync(path.join(ROOT, 'test', 'fixtures', 'ollama-mini'), repo, { recursive: true });
  writeFileSync(path.join(repo, '.gitignore'), '.hotswap/\n');
  const git = (...a) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@hotswap.invalid', ...a], { cwd: repo });
  git('init', '-q', '-b', 'main'); git('add', '-A'); git('commit', '-qm', 'bench');
  return repo;
}

/** hotswap.config.json for a target container on the host network at 127.0.0.1:port. */
export function writeBenchConfig(repo, { container, port, build = {}, watch = {} }) {
  writeFileSync(path.join(repo, 'hotswap.config.json'), JSON.stringify({
    watch,
    build: { env: { CGO_ENABLED: '0' }, ...build },
    target: { container, image: RUNTIME_IMAGE, stopTimeoutS: 5,
      create: { network: 'host', ports: [], env: { OLLAMA_HOST: `127.0.0.1:${port}` } },
      health: { url: `http://127.0.0.1:${port}/`, versionUrl: `http://127.0.0.1:${port}/api/version` } },
    notify: { desktop: false },
  }));
}

/** Rewrites the fixture's served message (GET /api/hello). */
export function setMessage(repo, text) {
  const file = path.join(repo, 'server', 'message.go');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/const Message = ".*"/, `const Message = "${text}"`));
}
