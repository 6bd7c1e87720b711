import { describe, expect, it } from 'vitest';
import { translateLegacyFlags } from '../../src/legacy-flags.js';

describe('translateLegacyFlags', () => {
  it.each([
    ['-ForceBuilder', '--force-builder'],
    ['-NoWSL', '--no-local'],
    ['-Restart', '--restart'],
    ['-Verify', '--verify'],
    ['-RollbackOnFail', '--rollback-on-fail'],
    ['-KeepBackup', '--keep-backup'],
    ['-ContainerName', '--container'],
    ['-ImageName', '--image'],
    ['-Quiet', '--quiet'],
  ])('turns the old %s into %s', (old, now) => {
    expect(translateLegacyFlags(['swap', old])).toEqual(['swap', now]);
  });

  it('ignores case, as PowerShell does', () => {
    expect(translateLegacyFlags(['-nowsl', '-NOWSL', '-noWsl'])).toEqual(['--no-local', '--no-local', '--no-local']);
  });

  it('keeps the value after a legacy flag as it is', () => {
    expect(translateLegacyFlags(['swap', '-ContainerName', 'My-Box', '-ImageName', 'ollama/ollama:latest']))
      .toEqual(['swap', '--container', 'My-Box', '--image', 'ollama/ollama:latest']);
  });

  it('leaves modern flags, values and unknown switches alone', () => {
    const argv = ['swap', '--container', 'ollama-gpu', '-n', '20', '--no-verify', '-Bogus', 'ForceBuilder'];
    expect(translateLegacyFlags(argv)).toEqual(argv);
  });

  it('does not change the array it is given', () => {
    const argv = ['swap', '-ForceBuilder'];
    translateLegacyFlags(argv);
    expect(argv).toEqual(['swap', '-ForceBuilder']);
  });
});
