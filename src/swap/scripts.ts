/**
 * The shell steps run inside the container. Every value arrives as a positional argument ("$1"…),
 * never spliced into the script, so no config value ever reaches a shell as code.
 */

import { operationError } from '../errors.js';
import type { Phase } from '../phase.js';

/** What a shell's exit code says about the image: 127 a tool not found, 126 no `sh` to run at all. */
function imageHint(exitCode: number): string | undefined {
  if (exitCode === 127) return 'the image has no sh, sha256sum or mv: hotswap needs a shell and coreutils or busybox';
  if (exitCode === 126) return 'the image has no sh (or it cannot run): hotswap needs a shell and coreutils or busybox';
  return undefined;
}

/**
 * A container step that failed, as an error: the action, then its stderr (or exit code), and what the
 * exit code says about the image.
 */
export const execFailure = (action: string, container: string, r: { exitCode: number; stderr: string }, phase?: Phase) =>
  operationError(`${action} in ${container}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, { phase, hint: imageHint(r.exitCode) });

/**
 * Names beside and behind the target: the upload `/usr/bin/.ollama.hotswap-new`; backups
 * `<backupDir>/ollama.backup_<ts>_<sha256>` (`.original` appended to the first one a container gets), each
 * written as `<backupDir>/.ollama.backup-partial` first.
 */
export function swapPaths(binaryPath: string, now: Date, backupDir = '/tmp') {
  const slash = binaryPath.lastIndexOf('/');
  const dir = binaryPath.slice(0, slash) || '/';
  const base = binaryPath.slice(slash + 1);
  const within = (d: string, name: string) => `${d === '/' ? '' : d.replace(/\/+$/, '')}/${name}`;
  return {
    dir, base,
    tempName: `.${base}.hotswap-new`,
    temp: within(dir, `.${base}.hotswap-new`),
    backupDir,
    backupStem: within(backupDir, `${base}.backup_${backupStamp(now)}`),
    backupPrefix: within(backupDir, `${base}.backup_`),
    backupTemp: within(backupDir, `.${base}.backup-partial`),
  };
}

/** 20261126_004512_123: sorts by time as text, unique per millisecond. */
export function backupStamp(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}_${p(now.getUTCMilliseconds(), 3)}`;
}

/** The sha256 a backup's name records, and whether it is the image's original; null for any other name. */
export function parseBackupName(path: string): { sha256: string; original: boolean } | null {
  const match = /\.backup_\d{8}_\d{6}_\d{3}_([0-9a-f]{64})(\.original)?$/.exec(path);
  return match ? { sha256: match[1]!, original: match[2] !== undefined } : null;
}

/**
 * The image's fastest sha256 of $1 (`-`: stdin), as `<hex> <name>`. `openssl dgst` first (ollama's Ubuntu
 * image has it through ca-certificates; it uses the CPU's SHA instructions: ~1.5 GB/s here against ~350 MB/s
 * for coreutils' sha256sum and ~220 MB/s for busybox's); an openssl that fails on a file falls back to
 * sha256sum (on stdin the caller falls back: INSTALL's halves to a whole check). A bare `sha256sum` in
 * busybox's shell runs its built-in applet whatever PATH says; a path with a slash runs the file found.
 */
const HASH_FN = 'has_openssl() { local IFS=: d; for d in $PATH; do [ -x "$d/openssl" ] && return 0; done; return 1; }; ' +
  'hash() { local IFS=: d x; for d in $PATH; do [ -x "$d/openssl" ] || continue; ' +
  'if [ "$1" = - ]; then "$d/openssl" dgst -sha256 -r 2>/dev/null; return; fi; ' +
  'x=$("$d/openssl" dgst -sha256 -r "$1" 2>/dev/null) && [ ${#x} -gt 64 ] && { echo "$x"; return; }; break; done; ' +
  'for d in $PATH; do if [ -x "$d/sha256sum" ]; then "$d/sha256sum" "$1"; return; fi; done; sha256sum "$1"; }';

/**
 * Loops over the whole backups under prefix $5: `n` counts them, `b` is the one holding sha256 $o. A name
 * without a 64-hex sha256 (a partial, an older scheme) does not count.
 */
const FIND_KEPT = 'b=; n=0; for f in "$5"*; do s=${f##*_}; s=${s%.original}; { [ ${#s} -eq 64 ] && [ -f "$f" ]; } || continue; n=$((n+1)); [ "$s" = "$o" ] && b=$f; done';

/** Removes the oldest backups under $5 but $b and the original until fewer than $6 others remain (names sort by time). */
const PRUNE = 'if [ -n "$6" ]; then m=0; for f in "$5"*; do case "$f" in *.original|"$b") continue;; esac; [ -f "$f" ] && m=$((m+1)); done; ' +
  'for f in "$5"*; do [ "$m" -lt "$6" ] && break; case "$f" in *.original|"$b") continue;; esac; [ -f "$f" ] && rm -f "$f" && m=$((m-1)); done; fi';

/**
 * What INSTALL can do before the upload has arrived. Readies the backup of $1 (sha256 $o; hashed unless $8
 * holds it): a backup that already holds $1's bytes (`b`, FIND_KEPT) is to take this swap's time as `k`
 * (keeping its `.original`), so the newest backup, which `rollback` restores, is always what was live before
 * the last swap; else $1 is written as $7, to become `b` = `$2_$o` (`.original` when it is the first): a hard
 * link costs nothing and is whole by construction; a copy (another file system) goes to a fresh file (a
 * leftover $7 may be a hard link to a backup) and is hashed. One that cannot be made whole is reported as
 * `backupfail <size>`, exit 4. Then PRUNE (removing a file of a binary's size costs ~14 ms once it is on disk).
 */
const STAGE = `b=; k=; if [ -e "$1" ]; then o=$8; if [ -z "$o" ]; then o=$(hash "$1"); o=\${o%% *}; fi; ${FIND_KEPT}; ` +
  'if [ -n "$b" ]; then k="$2_$o"; case "$b" in *.original) k="$k.original";; esac; else b="$2_$o"; [ "$n" -gt 0 ] || b="$b.original"; ' +
  'l=1; ln -f "$1" "$7" 2>/dev/null || { l=; rm -f "$7"; cp -p "$1" "$7"; } || { echo "backupfail $(stat -c %s "$1")"; exit 4; }; ' +
  `if [ -z "$l" ]; then x=$(hash "$7"); [ "\${x%% *}" = "$o" ] || { echo "backupfail $(stat -c %s "$1")"; exit 4; }; fi; fi; fi; ${PRUNE}`;

/**
 * $1 file, then INSTALL's $9 unquoted: $2 size, $3 split, $4 sha256 of bytes [0, split), $5 of the rest.
 * Succeeds when the file has that size and both halves match, hashed at once (two cores). Anything else
 * (another size, a tool missing) fails, and INSTALL hashes the whole file instead, as it does at once when
 * the image has openssl: whole, it beats two halves fed through busybox's slow `head`/`tail` pipes.
 */
const HALVES_FN = 'halves() { has_openssl && return 1; [ "$(stat -c %s "$1")" = "$2" ] || return 1; ' +
  'x=$( { tail -c $(($2-$3)) "$1" | hash - | { read -r s _; echo "2 $s"; }; } & head -c "$3" "$1" | hash - | { read -r s _; echo "1 $s"; }; wait ); ' +
  'case "$x" in *"1 $4"*) ;; *) return 1;; esac; case "$x" in *"2 $5"*) ;; *) return 1;; esac; }';

/**
 * $1 file, then INSTALL's $9 unquoted: `follow`, the sha256 hotswap-hasher took of the upload as it was
 * written (src/swap/follow.ts), the inode it read and its size, then $4 the sha256 expected. Succeeds when
 * that hash is the expected one and $1 is still that inode at that size: the bytes hashed are the bytes
 * there. Anything else fails, and INSTALL hashes the file itself.
 */
const FOLLOWED_FN = 'followed() { [ "$2" = follow ] && [ "$3" = "$6" ] && [ "$(stat -c \'%i %s\' "$1")" = "$4 $5" ]; }';

/**
 * The upload $3 checked against $4, or exit 3: by hotswap-hasher's word when $9 gives it (FOLLOWED_FN), in
 * halves at once when $9 says them (with its size checked, they imply the whole), else hashed whole.
 */
const CHECK = 'h=; if [ -n "$4" ]; then if [ -n "$9" ] && followed "$3" $9 "$4"; then h=$4; echo followed; ' +
  'elif [ -n "$9" ] && halves "$3" $9; then h=$4; else h=$(hash "$3"); h=${h%% *}; fi; ' +
  'if [ "$h" != "$4" ]; then echo "mismatch $h"; exit 3; fi; fi';

/** The staged backup put in place, then the upload: chmod, and the atomic rename. */
const FINISH = 'if [ -n "$k" ]; then [ "$b" = "$k" ] || mv -f "$b" "$k"; b=$k; echo "kept $b"; elif [ -n "$b" ]; then mv -f "$7" "$b"; echo "backup $b"; fi; ' +
  'chmod 0755 "$3"; mv -f "$3" "$1"; echo "installed $h"';

/** What every INSTALL sets up first: the trap removes the upload and the partial backup on any exit. */
const INSTALL_SETUP = `set -e; ${HASH_FN}; ${HALVES_FN}; ${FOLLOWED_FN}; trap 'rm -f "$3" "$7"' EXIT`;

/**
 * One exec for the whole swap on disk. $1 binary, $2 backup stem (prefix + time), $3 the uploaded temp file,
 * $4 the expected sha256 ('' skips the check), $5 the backups' prefix, $6 how many backups to keep besides
 * the original ('' keeps all), $7 the backup's temp name, $8 the sha256 of $1 if already known ('' hashes it),
 * $9 `<size> <split> <sha256 of the first half> <of the rest>`, or `follow <sha256> <inode> <size>` (FOLLOWED_FN), or
 * '' (hashes the upload whole).
 * - The upload is hashed BEFORE the rename, so a corrupt copy never reaches the binary path (exit 3, CHECK).
 * - The current file is backed up unless a backup already holds its bytes (STAGE, FINISH); a backup that
 *   cannot be made whole stops the swap before the binary is touched (exit 4).
 * - The rename is atomic: the path holds the whole old or the whole new file.
 * - On any exit the upload and the partial backup are removed (the trap): nothing is left behind.
 * Prints `followed` when hotswap-hasher's hash was taken, `backup <path>` or `kept <path>`, then `installed <sha256>`.
 */
export const INSTALL = `${INSTALL_SETUP}; ${CHECK}; ${STAGE}; ${FINISH}`;

/** INSTALL_ON_GO's first line when the image hashes with openssl: INSTALL then checks the upload whole. */
export const HASHER_LINE = 'hasher openssl';

/**
 * INSTALL started ahead of time (a prepared exec), so the exec's start-up (~50 ms here) is paid during the
 * build. It first prints HASHER_LINE when the image has openssl (the host then skips hashing the halves INSTALL
 * would not use). Meanwhile it hashes the binary at $1 (given when it is started), which INSTALL then need not do on
 * the swap's path, unless the file changed since (another inode, size or mtime) or the arguments name
 * another. Then it waits on stdin for `go` and its arguments but $4, one per line (installInput), sent as the
 * upload starts: it runs STAGE meanwhile and prints `staged`; then for $4 (the expected sha256: the host may
 * still be hashing the artifact as the upload starts), the halves line ($9, maybe empty) and `install`
 * (installGo), sent once the upload is written: CHECK and FINISH. EOF or anything else at either step exits
 * 125, leaving nothing behind (the trap; before `go`, having done nothing). Until the go-ahead the engine may
 * still be writing the upload: a backup that fails meanwhile (exit 4) leaves it to the host, which removes
 * it once the upload has ended (removing it under the engine's archive write fails that write instead).
 */
export const INSTALL_ON_GO = `${HASH_FN}; if has_openssl; then echo "${HASHER_LINE}"; else echo hasher sha256sum; fi; w=$1; p=; pre=; if [ -n "$w" ] && [ -f "$w" ]; then p=$(stat -c '%i %s %Y' "$w"); pre=$(hash "$w"); pre=\${pre%% *}; fi; ` +
  'read -r go && [ "$go" = go ] || exit 125; read -r a1 && read -r a2 && read -r a3 && read -r a5 && read -r a6 && read -r a7 || exit 125; ' +
  '{ [ -n "$p" ] && [ "$a1" = "$w" ] && [ "$(stat -c \'%i %s %Y\' "$a1" 2>/dev/null)" = "$p" ]; } || pre=; ' +
  `set -- "$a1" "$a2" "$a3" '' "$a5" "$a6" "$a7" "$pre"; ${INSTALL_SETUP}; trap 'rm -f "$7"' EXIT; ${STAGE}; echo staged; ` +
  'read -r a4 && read -r a9 && read -r go && [ "$go" = install ] || { rm -f "$3"; exit 125; }; ' +
  `trap 'rm -f "$3" "$7"' EXIT; set -- "$1" "$2" "$3" "$a4" "$5" "$6" "$7" "$8" "$a9"; ${CHECK}; ${FINISH}`;
/** What INSTALL_ON_GO reads first: `go`, then INSTALL's seven arguments but $4, one per line (paths never hold a newline). */
export const installInput = (args: readonly string[]) => `go\n${args.filter((_, i) => i !== 3).join('\n')}\n`;
/** What INSTALL_ON_GO reads once the upload is written: $4 of the same arguments, the halves ($9, '' for none), then `install`. */
export const installGo = (args: readonly string[], halves: string) => `${args[3]}\n${halves}\ninstall\n`;
/**
 * INSTALL has succeeded once it printed `installed <sha256>` (nothing when unchecked): under `set -e` that is its
 * last command, and its EXIT trap keeps that status, so its exit code need not be asked for.
 */
export const installDone = (stdout: string) => /^installed [0-9a-f]*\n/m.test(stdout);
export const CANCELLED = 125;
/** INSTALL's exit when the backup could not be made whole (a full backup directory). */
export const BACKUP_FAILED = 4;

/**
 * $1 binary, $2 backup, $3 temp, $4 the backup's recorded sha256. Copies, checks the copy against the
 * record (a damaged backup is never installed: exit 4, `corrupt <sha256>`), renames into place. A temp left
 * by an archive write is a hard link to the live binary (putFile's `linkAs`): it is unlinked first, as cp
 * would write into the running binary's inode (ETXTBSY, or the live file changed in place).
 */
export const RESTORE = `set -e; ${HASH_FN}; trap 'rm -f "$3"' EXIT; rm -f "$3"; cp -p "$2" "$3"; h=$(hash "$3"); h=\${h%% *}; ` +
  `if [ "$h" != "$4" ]; then echo "corrupt $h"; exit 4; fi; chmod 0755 "$3"; mv -f "$3" "$1"; echo "$h"`;

/** $1 file: its hash by the image's own sha256sum. */
export const HASH_FILE = `${HASH_FN}; hash "$1"`;

/**
 * $1 backup prefix. One line per whole backup: size, mtime, path. A backup whose bytes do not match the
 * sha256 in its name (cut short) is removed, never listed.
 */
export const LIST_BACKUPS = `${HASH_FN}; for f in "$1"*; do [ -f "$f" ] || continue; s=\${f##*_}; s=\${s%.original}; [ \${#s} -eq 64 ] || continue; ` +
  'x=$(hash "$f"); if [ "${x%% *}" = "$s" ]; then stat -c "%s %Y %n" "$f"; else rm -f "$f"; fi; done; true';

/** First field of `sha256sum` output. */
export const parseSha256 = (stdout: string): string | null => /^([0-9a-f]{64})\b/m.exec(stdout)?.[1] ?? null;

/** INSTALL's output: the backup it made or kept, what it installed, the hash it refused, the size a backup needed. */
export function parseInstallOutput(stdout: string) {
  return {
    backup: /^(?:backup|kept) (.+)$/m.exec(stdout)?.[1] ?? null,
    installed: /^installed ([0-9a-f]{64})$/m.exec(stdout)?.[1] ?? null,
    mismatch: /^mismatch (\S*)$/m.exec(stdout)?.[1] ?? null,
    backupNeeds: Number(/^backupfail (\d+)$/m.exec(stdout)?.[1] ?? NaN),
    /** The upload's hash was hotswap-hasher's, taken as it was written (FOLLOWED_FN). */
    followed: /^followed$/m.test(stdout),
  };
}

/** Is the binary path a file in a directory that exists? Prints `directory` or `no-directory` when not. $1 dir, $2 path. */
export const BINARY_PATH_CHECK = 'if [ -d "$2" ]; then echo directory; elif [ ! -d "$1" ]; then echo no-directory; fi';

/** Removes the hotswap-hasher files of other versions from $1 (the binary's directory), all but $2 (this one's name). */
export const REMOVE_OTHER_HASHERS = 'for f in "$1"/.hotswap-hasher-*; do [ "${f##*/}" = "$2" ] || rm -f "$f"; done';
