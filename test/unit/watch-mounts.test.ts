import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectSlowMount, isWslKernel, mountOf, parseMounts, slowMountReason } from '../../src/watch/mounts.js';

// Shapes taken from real /proc/mounts files: a WSL 2 distro, Docker Desktop, a Linux dev box.
const WSL = `/dev/sdc / ext4 rw,relatime,discard,errors=remount-ro,data=ordered 0 0
none /mnt/wsl tmpfs rw,relatime 0 0
drvfs /mnt/c 9p rw,noatime,dirsync,aname=drvfs;path=C:\\;uid=1000;gid=1000,trans=virtio 0 0
C:\\134 /mnt/d drvfs rw,noatime,uid=1000 0 0
`;
const LINUX = `overlay / overlay rw,relatime,lowerdir=/var/lib/docker/overlay2/l/ABC 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 /home ext4 rw,relatime 0 0
server:/export /home/me/nfs nfs4 rw,relatime,vers=4.2 0 0
sshfs#me@box: /home/me/remote fuse.sshfs rw,nosuid,nodev 0 0
grpcfuse /host_mnt fuse.grpcfuse rw 0 0
mount0 /Users virtiofs rw,relatime 0 0
//nas/share /mnt/my\\040share cifs rw,vers=3.1.1 0 0
`;

describe('parseMounts', () => {
  it('reads device, mount point and type, unescaping octal', () => {
    const mounts = parseMounts(LINUX);
    expect(mounts).toHaveLength(8);
    expect(mounts[0]).toEqual({ device: 'overlay', mountPoint: '/', fsType: 'overlay' });
    expect(mounts[7]).toEqual({ device: '//nas/share', mountPoint: '/mnt/my share', fsType: 'cifs' });
    expect(parseMounts(WSL)[3]?.device).toBe('C:\\');
  });

  it('skips blank and short lines', () => {
    expect(parseMounts('\n  \nbroken\n')).toEqual([]);
  });
});

describe('mountOf', () => {
  const mounts = parseMounts(LINUX);
  it('picks the longest mount point above the path', () => {
    expect(mountOf(mounts, '/home/me/nfs/repo')?.fsType).toBe('nfs4');
    expect(mountOf(mounts, '/home/me/src')?.fsType).toBe('ext4');
    expect(mountOf(mounts, '/home/me/nfsx')?.fsType).toBe('ext4');
    expect(mountOf(mounts, '/srv')?.fsType).toBe('overlay');
  });
  it('lets the last of stacked mounts win', () => {
    expect(mountOf(parseMounts('a /x ext4 rw 0 0\nb /x nfs rw 0 0\n'), '/x/y')?.fsType).toBe('nfs');
  });
});

describe('slowMountReason', () => {
  it('names a Windows drive under WSL', () => {
    const reason = slowMountReason(parseMounts(WSL), '/mnt/c/src/ollama', true);
    expect(reason).toContain('a Windows drive under WSL');
    expect(reason).toContain('9p at /mnt/c');
    expect(slowMountReason(parseMounts(WSL), '/mnt/d/x', true)).toContain('drvfs');
  });

  it.each([
    ['/home/me/nfs/repo', 'NFS share'],
    ['/home/me/remote/repo', 'FUSE file system (sshfs)'],
    ['/host_mnt/Users/me', 'FUSE file system (grpcfuse)'],
    ['/Users/me/ollama', 'virtiofs'],
    ['/mnt/my share/x', 'SMB share'],
  ])('flags %s as a %s', (file, kind) => {
    expect(slowMountReason(parseMounts(LINUX), file, false)).toContain(kind);
  });

  it('says nothing for local disks and overlay', () => {
    expect(slowMountReason(parseMounts(LINUX), '/home/me/src', false)).toBeNull();
    expect(slowMountReason(parseMounts(LINUX), '/work', false)).toBeNull();
    expect(slowMountReason(parseMounts(WSL), '/home/me/src', true)).toBeNull();
    expect(slowMountReason([], '/x', false)).toBeNull();
  });
});

describe('isWslKernel', () => {
  it('recognises the WSL kernel by name', () => {
    expect(isWslKernel('Linux version 5.15.153.1-microsoft-standard-WSL2 (root@1c602f52c2e4)')).toBe(true);
    expect(isWslKernel('Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)')).toBe(false);
  });
});

describe('detectSlowMount', () => {
  it("reads this machine's mount table: the same verdict as the pure rules on /proc/mounts", () => {
    const mounts = parseMounts(fs.readFileSync('/proc/mounts', 'utf8'));
    const wsl = isWslKernel(fs.readFileSync('/proc/version', 'utf8'));
    expect(mounts.length).toBeGreaterThan(0);
    expect(detectSlowMount(process.cwd())).toBe(slowMountReason(mounts, fs.realpathSync(process.cwd()), wsl));
    expect(detectSlowMount('/proc')).toBeNull(); // proc is no network or 9p file system
    expect(detectSlowMount('/does/not/exist')).toBe(slowMountReason(mounts, '/does/not/exist', wsl));
  });
});
