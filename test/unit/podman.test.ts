import { describe, expect, it } from 'vitest';
import { isPodman, withoutAttachError } from '../../src/docker/podman.js';

describe('Podman adaptations', () => {
  it('tells Podman from Docker by the version components', () => {
    expect(isPodman({ Components: [{ Name: 'Podman Engine' }, { Name: 'Conmon' }] })).toBe(true);
    expect(isPodman({ Components: [{ Name: 'Engine' }, { Name: 'containerd' }] })).toBe(false);
    expect(isPodman({})).toBe(false);
  });

  it("drops only Podman's attach error after an exec that could not start", () => {
    const reason = 'Error: runc: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH';
    const attach = 'Error: read unixpacket @->/proc/self/fd/14/attach: read: connection reset by peer';
    expect(withoutAttachError(`${reason}\n${attach}\n`)).toBe(`${reason}\n`);
    expect(withoutAttachError(`${reason}\n${attach}`)).toBe(`${reason}\n`);
    expect(withoutAttachError('no room in /tmp\nError: read unixpacket is a phrase here\n')).toBe('no room in /tmp\nError: read unixpacket is a phrase here\n');
  });
});
