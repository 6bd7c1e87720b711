/**
 * target.binaryPath checked in the container before the build: its directory must exist and the path
 * must not be a directory (the config only checks its shape). A container that cannot run the check
 * (stopped, crash-looping, no shell) is left to the swap, which says what is wrong with it.
 */
import { usageError } from '../errors.js';
import { BINARY_PATH_CHECK } from '../swap/scripts.js';
import type { ContainerClient } from '../docker/client.js';


/** True when the check ran and found the path fine; false when it could not run (left to the swap). */
export async function checkBinaryPath(container: ContainerClient, binaryPath: string): Promise<boolean> {
  const dir = binaryPath.slice(0, binaryPath.lastIndexOf('/')) || '/';
  const result = await container.exec(['sh', '-c', BINARY_PATH_CHECK, 'sh', dir, binaryPath]).catch(() => null);
  const found = result?.exitCode === 0 ? result.stdout.trim() : '';
  if (found === 'directory') {
    throw usageError(`target.binaryPath ${binaryPath} is a directory in ${container.name}, not a file`, {
      hint: 'set target.binaryPath to the binary itself, like /usr/bin/ollama', phase: 'detect',
    });
  }
  if (found === 'no-directory') {
    throw usageError(`target.binaryPath ${binaryPath}: the directory ${dir} does not exist in ${container.name}`, {
      hint: 'check target.binaryPath (docker exec <container> ls <dir>)', phase: 'detect',
    });
  }
  return result?.exitCode === 0;
}
