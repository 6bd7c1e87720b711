import { describe, expect, it } from 'vitest';
import { operationError } from '../../src/errors.js';
import { phaseRunner, type Phase } from '../../src/phase.js';
import { newReport, type Report } from '../../src/report.js';
import { silentProgress, type Progress } from '../../src/ui/progress.js';

describe('phaseRunner', () => {
  it('times every phase into the report, adds a repeated one, and tells the progress how it ended', async () => {
    const report = newReport('manual', 'c');
    const told: string[] = [];
    const progress: Progress = {
      ...silentProgress,
      phaseStarted: (phase, detail) => told.push(`start ${phase}${detail ? ` ${detail}` : ''}`),
      phaseEnded: (phase, _ms, detail) => told.push(`end ${phase}${detail ? ` ${detail}` : ''}`),
    };
    const phase = phaseRunner(report, progress);
    expect(await phase('build', async () => 42, 'local')).toBe(42);
    await phase('build', async () => undefined);
    await expect(phase('health', async () => { throw new Error('down'); })).rejects.toThrow('down');
    expect(told).toEqual(['start build local', 'end build', 'start build', 'end build', 'start health', 'end health failed']);
    expect(Object.keys(report.phases).sort()).toEqual(['build', 'health']);
  });

  it('is the one vocabulary: an error names a Phase, and a report carries it typed', () => {
    const error = operationError('health check failed', { phase: 'health' });
    const report: Report = { ...newReport('watch', 'c'), error: { message: error.message, phase: error.phase } };
    const where: Phase | undefined = report.error?.phase;
    expect(where).toBe('health');
  });
});
