import { describe, expect, it } from 'vitest';
import { runnerFor, schemaUrlFor, withMakeTarget, withPostStart } from '../../src/init/files.js';

const runner = runnerFor('0.1.0');

describe('what init writes for others to run', () => {
  it('calls the published package at hotswap\'s major, and names the schema it publishes', () => {
    expect(runner).toBe('npx --yes go-hotswap@0');
    expect(runnerFor('2.10.3')).toBe('npx --yes go-hotswap@2');
    expect(schemaUrlFor('0.1.0')).toBe('https://unpkg.com/go-hotswap@0/config/hotswap.schema.json');
  });

  it('adds the make target once', () => {
    const once = withMakeTarget('build:\n\tgo build\n', runner)!;
    expect(once).toBe('build:\n\tgo build\n\n.PHONY: hot-swap\nhot-swap:\n\tnpx --yes go-hotswap@0 swap --restart --verify\n');
    expect(withMakeTarget(once, runner)).toBeNull();
  });

  it('replaces an older init\'s `npx hotswap` (the unrelated npm package), and changes nothing else', () => {
    expect(withMakeTarget('hot-swap:\n\tnpx hotswap swap --restart --verify\n', runner))
      .toBe('hot-swap:\n\tnpx --yes go-hotswap@0 swap --restart --verify\n');
    expect(withPostStart('{\n  // dev\n  "postStartCommand": "echo hi && npx hotswap watch --detach"\n}\n', runner))
      .toBe('{\n  // dev\n  "postStartCommand": "echo hi && npx --yes go-hotswap@0 watch --detach"\n}\n');
    expect(withPostStart('{ "postStartCommand": "hotswap watch --detach" }', runner)).toBeNull();
    expect(withPostStart('{ "postStartCommand": "npx --yes go-hotswap@0 watch --detach" }', runner)).toBeNull();
  });
});
