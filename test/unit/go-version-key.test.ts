import { describe, expect, it } from 'vitest';
import { goVersionKey, savedGoVersion } from '../../src/toolchain/go-version.js';

const go = { path: '/usr/lib/go-1.26/bin/go', ino: 42, size: 14_000_000, mtimeMs: 1_700_000_000_000 };

describe('the saved `go version` answer', () => {
  it('is keyed on the binary and the variables that pick a toolchain', () => {
    const key = goVersionKey(go, {});
    expect(goVersionKey({ ...go }, { HOME: '/root', PATH: '/bin' })).toBe(key); // other variables do not matter
    const changed = [
      goVersionKey({ ...go, path: '/usr/local/go/bin/go' }, {}),
      goVersionKey({ ...go, ino: 43 }, {}),
      goVersionKey({ ...go, size: 14_000_001 }, {}),
      goVersionKey({ ...go, mtimeMs: go.mtimeMs + 1 }, {}),
      goVersionKey(go, { GOTOOLCHAIN: 'go1.27.0' }),
      goVersionKey(go, { GOROOT: '/opt/go' }),
    ];
    expect(new Set([key, ...changed]).size).toBe(changed.length + 1);
  });

  it('answers only for the key it was saved with, and never from a malformed file', () => {
    const key = goVersionKey(go, {});
    expect(savedGoVersion({ key, version: '1.26.8' }, key)).toBe('1.26.8');
    expect(savedGoVersion({ key, version: '1.26.8' }, goVersionKey({ ...go, size: 1 }, {}))).toBeUndefined();
    for (const bad of [null, 'text', 42, [], { key }, { key, version: 126 }, { version: '1.26.8' }]) {
      expect(savedGoVersion(bad, key), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
