import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newReport, type Report } from '../../src/report.js';
import { checkStateDir, isAlive, lastBuiltOf, processState, readState, recordRun, type LastBuilt } from '../../src/state/store.js';

let repo: string;
beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-state-'));
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

const built = (tree: string, sha256: string): LastBuilt => ({ tree, sha256, version: null, at: '2026-01-01T00:00:00.000Z' });
const swapped = (container: string, sha256: string): Report => ({ ...newReport('watch', container), outcome: 'swapped', sha256 });
const writeRaw = (state: unknown) => {
  fs.mkdirSync(path.join(repo, '.hotswap'), { recursive: true });
  fs.writeFileSync(path.join(repo, '.hotswap', 'state.json'), JSON.stringify(state));
};

describe('the state file with several targets', () => {
  it('keeps each target its own last build', async () => {
    await recordRun(repo, swapped('api-dev', 'a1'), { name: 'api', lastBuilt: built('t1', 'a1') });
    await recordRun(repo, swapped('worker-dev', 'w1'), { name: 'worker', lastBuilt: built('t2', 'w1') });
    await recordRun(repo, { ...newReport('watch', 'api-dev'), outcome: 'skipped' }, null);
    const state = await readState(repo);
    expect(lastBuiltOf(state, 'api')?.tree).toBe('t1');
    expect(lastBuiltOf(state, 'worker')?.tree).toBe('t2');
    expect(lastBuiltOf(state, 'other')).toBeNull();
    expect(state.runs.map((r) => r.outcome)).toEqual(['swapped', 'swapped', 'skipped']);
  });

  it('reads a file from before targets: its lastBuilt is the single target, named after its container', async () => {
    writeRaw({ lastBuilt: built('t0', 'sha0'), runs: [swapped('ollama-gpu', 'sha0'), { ...newReport('watch', 'ollama-gpu'), outcome: 'skipped' }] });
    const state = await readState(repo);
    expect(lastBuiltOf(state, 'ollama-gpu')?.tree).toBe('t0');
    expect(lastBuiltOf(state, 'worker')).toBeNull();
    await recordRun(repo, swapped('worker-dev', 'w1'), { name: 'worker', lastBuilt: built('t1', 'w1') });
    expect(lastBuiltOf(await readState(repo), 'ollama-gpu')?.tree).toBe('t0');
  });

  it('builds again rather than guess when no run names the old lastBuilt', async () => {
    writeRaw({ lastBuilt: built('t0', 'sha0'), runs: [] });
    expect((await readState(repo)).built).toEqual({});
  });
});

describe('checkStateDir', () => {
  const state = (at = '') => path.join(repo, '.hotswap', at);
  const linkAt = (at: string) => {
    fs.mkdirSync(path.dirname(state(at)), { recursive: true });
    fs.symlinkSync(os.tmpdir(), state(at));
  };

  it('passes a .hotswap of files and directories, and one that does not exist yet', () => {
    expect(() => checkStateDir(repo)).not.toThrow();
    fs.mkdirSync(state('objects/ab'), { recursive: true });
    fs.writeFileSync(state('state.json'), '{}');
    fs.writeFileSync(state('objects/ab/cdef'), '');
    expect(() => checkStateDir(repo)).not.toThrow();
  });

  it.each(['', 'hotswap.log', 'bin/ollama-dev', 'objects/ab'])('refuses a symbolic link at .hotswap/%s', (at) => {
    linkAt(at);
    expect(() => checkStateDir(repo)).toThrow(`${state(at)} is a symbolic link`);
  });

  it('looks two levels down, not into each git object', () => {
    linkAt('objects/ab/cdef');
    expect(() => checkStateDir(repo)).not.toThrow();
  });
});

describe('isAlive', () => {
  it('reads the state letter after the command, even one holding ") "', () => {
    expect(processState('42 (node) S 1 42 42 0 -1')).toBe('S');
    expect(processState('42 (a) Z (b) R 1 42 42 0 -1')).toBe('R');
    expect(processState('43 (hotswap) Z 1 43 43 0 -1')).toBe('Z');
    expect(processState('')).toBeNull();
  });

  it('treats a zombie (exited, never reaped by its parent) as dead', async () => {
    // A Node process blocked in Atomics.wait never runs its event loop, so it never reaps the child it started:
    // the child becomes a zombie, as under a PID 1 that does not reap.
    const blocked = "const c = require('child_process').spawn('true'); console.log(c.pid); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000)";
    const parent = spawn(process.execPath, ['-e', blocked], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = await once(parent.stdout!, 'data') as [Buffer];
      const zombie = Number(line.toString().trim());
      await expect.poll(() => fs.readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]![0]).toBe('Z');
      expect(isAlive(zombie)).toBe(false);
      expect(isAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
