/**
 * The stale image, remembered: image inputs (Dockerfile, CMakeLists.txt, …) changed, so the container's
 * image no longer matches the sources. Kept in `.hotswap/stale-image.json` per target with the image id
 * the container ran when it was noticed, so it stays in every run line and in `status` until the
 * container runs another image. The decisions are pure; the file is read and written whole.
 */
import { readFile } from 'node:fs/promises';
import { statePath, writeStateJson } from './store.js';

export interface StaleImage {
  readonly files: readonly string[];
  /** The image id the container ran when the staleness was noticed. */
  readonly imageId: string;
}

export type StaleImages = Readonly<Record<string, StaleImage>>;

/** What is stale now: the recorded files plus this run's, or nothing once the container runs another image. */
export function nextStaleImage(recorded: StaleImage | undefined, imageFiles: readonly string[], imageId: string): StaleImage | undefined {
  const kept = recorded && recorded.imageId === imageId ? recorded.files : [];
  const files = [...new Set([...kept, ...imageFiles])];
  return files.length ? { files, imageId } : undefined;
}

/** The command that rebuilds the image, when its name is known. */
export const rebuildCommand = (image: string | null | undefined) => (image ? `docker build -t ${image} .` : 'rebuild the image');

const file = (repo: string) => statePath(repo, 'stale-image.json');

export async function readStaleImages(repo: string): Promise<StaleImages> {
  try {
    return JSON.parse(await readFile(file(repo), 'utf8')) as StaleImages;
  } catch {
    return {};
  }
}

/** Records one target's staleness (or its end) and returns it. */
export async function updateStaleImage(repo: string, target: string, imageFiles: readonly string[], imageId: string): Promise<StaleImage | undefined> {
  const all = await readStaleImages(repo);
  const next = nextStaleImage(all[target], imageFiles, imageId);
  if (JSON.stringify(next) === JSON.stringify(all[target])) return next;
  const { [target]: _old, ...others } = all;
  await writeStateJson(repo, file(repo), next ? { ...others, [target]: next } : others);
  return next;
}
