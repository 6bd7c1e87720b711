/** The local Go toolchain: `go build` on the host, output under `.hotswap/bin/`. */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskFullError, environmentError, isDiskFull, operationError } from '../errors.js';
import type { Artifact, Builder, BuildRequest } from './builder.js';
import { goBuildSpec } from './go-build.js';
import { builtFile } from './hash.js';

interface Run { code: number | null; output: string; missing: boolean }

function runGo(args: readonly string[], cwd: string, env: Record<string, string>, signal?: AbortSignal): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('go', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGINT' });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => e.name !== 'AbortError' && resolve({ code: null, output: e.message, missing: e.code === 'ENOENT' }));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8'), missing: false }));
  });
}

/** go says "write /dir/file: no space left on device": the output's, GOCACHE's or its work dir's file system. */
function fullDir(output: string, fallback: string): string {
  const file = /(\/[^\s:'"]+): no space left on device/i.exec(output)?.[1];
  return file ? dirname(file) : fallback;
}

const outputFull = (dir: string, cause: unknown) =>
  diskFullError('go build could not write the binary', dir, { phase: 'build', cause, also: 'or point build.output at another disk' });

async function buildLocal(request: BuildRequest, reason: string): Promise<Artifact> {
  const { repo, build, mainPackage, platform, version, log } = request;
  const output = build.output;
  await mkdir(dirname(output), { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw isDiskFull(e) ? outputFull(dirname(output), e) : e;
  });
  const spec = goBuildSpec(build, mainPackage, output, platform, version);
  log.info({ args: spec.args, envKeys: Object.keys(spec.env) }, 'go build');
  const run = await runGo(spec.args, request.source ?? repo, { ...spec.env }, request.signal);
  if (run.missing) {
    throw environmentError('no Go toolchain: `go` is not on PATH', {
      hint: 'install Go (apt-get install golang-go) or use --builder container', phase: 'build',
    });
  }
  // A full disk is no compile error: say which file system, not "fix the compile error".
  if (run.code !== 0 && isDiskFull(run.output)) throw outputFull(fullDir(run.output, dirname(output)), run.output);
  if (run.code !== 0) {
    throw operationError(`go build failed (exit ${run.code})`, {
      phase: 'build', details: run.output.trimEnd(), hint: 'fix the compile error; the container was not touched',
    });
  }
  return { ...await builtFile(output), builder: { mode: 'local', reason } };
}

/** `go build` on the host. */
export const localBuilder = (reason = 'builder local requested'): Builder => ({
  build: async (request) => buildLocal(request, reason),
});
