/**
 * The binary's sha256 in two halves, which INSTALL checks at once on two cores (busybox's sha256sum does
 * ~200 MB/s on one: a 45 MB binary's check is most of the copy phase). The whole hash is taken in the same
 * pass, so the halves are known to be the build's bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface Halves {
  readonly size: number;
  /** Bytes [0, split) are the first half, [split, size) the rest. */
  readonly split: number;
  readonly first: string;
  readonly rest: string;
  readonly whole: string;
}

/** Where a file of `size` bytes splits: its middle. */
export const splitAt = (size: number) => Math.floor(size / 2);

/** INSTALL's halves argument ($9): `<size> <split> <sha256 of the first half> <of the rest>`. */
export const halvesArg = (h: Halves) => `${h.size} ${h.split} ${h.first} ${h.rest}`;

/** Hashes a host file whole and in halves, in one streamed read. */
export async function hashHalves(path: string): Promise<Halves> {
  const [whole, first, rest] = [createHash('sha256'), createHash('sha256'), createHash('sha256')];
  const split = splitAt((await stat(path)).size);
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 2 ** 20 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const cut = Math.max(0, Math.min(chunk.length, split - offset));
    if (cut > 0) first.update(chunk.subarray(0, cut));
    if (cut < chunk.length) rest.update(chunk.subarray(cut));
    offset += chunk.length;
  }
  return { size: offset, split, first: first.digest('hex'), rest: rest.digest('hex'), whole: whole.digest('hex') };
}
