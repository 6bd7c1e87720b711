import { describe, expect, it } from 'vitest';
import { swapFlagsOf } from '../../src/cli/early-swap.js';

describe('swapFlagsOf (the command lines dist/cli.js starts a head start for)', () => {
  it('reads a plain swap, with the flags the head start needs', () => {
    expect(swapFlagsOf(['swap'])).toEqual({});
    expect(swapFlagsOf(['swap', '--json', '--quiet', '--if-changed', '--no-verify'])).toEqual({});
    expect(swapFlagsOf(['--config', 'dev/hotswap.config.json', 'swap', '--container', 'x'])).toEqual({ config: 'dev/hotswap.config.json' });
    expect(swapFlagsOf(['swap', '--repo=../ollama', '--rev', 'v0.5.1', '--no-daemon'])).toEqual({ repo: '../ollama', rev: 'v0.5.1', daemon: false });
  });

  it('leaves anything it cannot read with certainty to the program', () => {
    for (const argv of [
      [], ['watch'], ['swap', 'extra'], ['swap', '--help'], ['swap', '-h'], ['help', 'swap'], ['swap', '--bogus'],
      ['swap', '--config'], ['swap', '--config', '--json'], ['swap', '--json=1'], ['swap', 'swap'], ['-ForceBuilder', 'swap'],
    ]) expect(swapFlagsOf(argv), argv.join(' ')).toBeNull();
  });
});
