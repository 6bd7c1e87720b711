/**
 * Is the repo on a network or VM share? inotify only sees changes made through this kernel, so edits made on
 * the other side (Windows under WSL, the host of a VM or Docker Desktop) raise no events there. The daemon
 * uses the reason to suggest `watch.poll` once. Pure parser plus a small /proc reader.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface Mount {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
}

/** File-system types whose changes can come from elsewhere, with what they usually are. */
const SHARES: Readonly<Record<string, string>> = {
  '9p': '9p share (WSL 2 Windows drive or a VM shared folder)',
  drvfs: 'WSL Windows drive',
  virtiofs: 'virtiofs share (Docker Desktop or a VM)',
  nfs: 'NFS share',
  nfs4: 'NFS share',
  cifs: 'SMB share',
  smb3: 'SMB share',
  smbfs: 'SMB share',
  vboxsf: 'VirtualBox shared folder',
  prl_fs: 'Parallels shared folder',
  vmhgfs: 'VMware shared folder',
};

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType] = line.trim().split(/\s+/);
    if (!device || !mountPoint || !fsType) continue;
    mounts.push({ device: unescape(device), mountPoint: unescape(mountPoint), fsType });
  }
  return mounts;
}

/** The mount that holds `file`: the longest mount point above it; the last one wins when stacked. */
export function mountOf(mounts: readonly Mount[], file: string): Mount | null {
  let best: Mount | null = null;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || file === m.mountPoint || file.startsWith(`${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

const shareKind = (fsType: string): string | null =>
  SHARES[fsType] ?? (fsType.startsWith('fuse.') ? `FUSE file system (${fsType.slice(5)})` : null);

/** Why file events may not arrive for `file`, or null when the mount is a local one. */
export function slowMountReason(mounts: readonly Mount[], file: string, wsl: boolean): string | null {
  const mount = mountOf(mounts, file);
  if (!mount) return null;
  const kind = shareKind(mount.fsType);
  if (!kind) return null;
  const where = wsl && (mount.fsType === '9p' || mount.fsType === 'drvfs') ? 'a Windows drive under WSL' : `a ${kind}`;
  return `${file} is on ${where} (${mount.fsType} at ${mount.mountPoint}); edits made from the other side may raise no file events`;
}

export const isWslKernel = (procVersion: string): boolean => /microsoft/i.test(procVersion);

const readOr = (file: string, fallback: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback; // not Linux, or /proc hidden: nothing to say
  }
};

/** Reads /proc; never throws (null when it cannot tell). */
export function detectSlowMount(file: string): string | null {
  let real = path.resolve(file);
  try {
    real = realpathSync(real);
  } catch {
    // a path that does not exist yet: judge the path as written
  }
  const mounts = parseMounts(readOr('/proc/mounts', ''));
  return slowMountReason(mounts, real, isWslKernel(readOr('/proc/version', '')));
}
