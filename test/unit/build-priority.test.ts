import { describe, expect, it } from 'vitest';
import { canRestore } from '../../src/pipeline/build-priority.js';

const status = (capEff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;
const HOST = '         0          0 4294967295\n';
const ROOTLESS = '         0       1000          1\n         1     100000      65536\n';
const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax nice priority         ${soft}                    ${soft}\nMax realtime priority     0                    0\n`;

describe('canRestore (may the main thread raise its priority back after the build)', () => {
  it('may with CAP_SYS_NICE, whatever the limit', () => {
    expect(canRestore(0, status('000001ffffffffff'), limits('0'), HOST)).toBe(true); // root with every capability
    expect(canRestore(0, status('0000000000800000'), limits('0'), HOST)).toBe(true); // CAP_SYS_NICE alone
  });

  it('may not without it (Docker\'s default capabilities, a plain user) unless RLIMIT_NICE allows the old nice', () => {
    expect(canRestore(0, status('00000000a80425fb'), limits('0'), HOST)).toBe(false); // Docker's default set
    expect(canRestore(0, status('0000000000000000'), limits('20'), HOST)).toBe(true);
    expect(canRestore(0, status('0000000000000000'), limits('19'), HOST)).toBe(false);
    expect(canRestore(5, status('0000000000000000'), limits('15'), HOST)).toBe(true);
    expect(canRestore(0, status('0000000000000000'), limits('unlimited'), HOST)).toBe(true);
  });

  it('does not count CAP_SYS_NICE in a user namespace of its own (a rootless container): the kernel asks the initial one', () => {
    expect(canRestore(0, status('000001ffffffffff'), limits('0'), ROOTLESS)).toBe(false);
    expect(canRestore(0, status('000001ffffffffff'), limits('20'), ROOTLESS)).toBe(true);
  });

  it('may not when it cannot tell', () => {
    expect(canRestore(0, '', '', '')).toBe(false);
  });
});
