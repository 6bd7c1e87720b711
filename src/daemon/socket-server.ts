/**
 * The daemon's end of `.hotswap/daemon.sock`: a unix socket only its user may open (mode 0600, created so:
 * the umask is tightened around the bind), in the state dir that `checkStateDir` vouches for. A socket left
 * by a daemon that died is replaced; this daemon holds the watch lock, so no live one owns it.
 */
import { chmod, lstat, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { ensureStateDir, statePath } from '../state/store.js';
import { onMessages, SOCKET_NAME, type OneShotRequest } from './socket-protocol.js';

export const socketFile = (repo: string) => statePath(repo, SOCKET_NAME);

export interface SocketServer {
  /** No new connections; the socket file is removed. Open conversations end on their own (not awaited). */
  close(): void;
}

/** Removes a leftover socket (never a file of another kind that happens to bear the name). */
async function removeLeftover(file: string): Promise<void> {
  const stat = await lstat(file).catch(() => null);
  if (stat?.isSocket()) await rm(file);
}

const isRequest = (m: unknown): m is OneShotRequest =>
  typeof m === 'object' && m !== null && (m as OneShotRequest).type === 'swap' && typeof (m as OneShotRequest).cwd === 'string';

/** Binds with a umask that leaves the socket readable and writable by its owner only. */
function bind(server: Server, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const umask = process.umask(0o177);
    server.once('error', reject);
    try {
      server.listen(file, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/** Listens for one-shot requests; each connection's first message is its request, handled once. */
export async function listenForOneShots(repo: string, onRequest: (request: OneShotRequest, socket: Socket) => void): Promise<SocketServer> {
  await ensureStateDir(repo);
  const file = socketFile(repo);
  await removeLeftover(file);
  const server = createServer((socket) => {
    let asked = false;
    socket.on('error', () => socket.destroy());
    onMessages(socket, (message) => {
      if (asked || !isRequest(message)) return void socket.destroy();
      asked = true;
      onRequest(message, socket);
    });
  });
  await bind(server, file);
  await chmod(file, 0o600);
  return { close: () => void server.close() };
}
