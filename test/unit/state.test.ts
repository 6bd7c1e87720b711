import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newReport, type Report } from '../../src/report.js';
import { lastBuiltOf, readState, recordRun, type LastBuilt } from '../../src/state/store.js';

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
