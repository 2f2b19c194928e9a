// More file descriptors for one listening socket. libuv (1.45 and later) accepts one connection
// per handle per event-loop turn, so a busy process with one handle takes a burst of new
// connections one turn at a time (see accept-handles.ts). Several handles need several
// descriptors: libuv keeps one watcher per descriptor. Node 20 has no dup() and no reusePort, but
// a descriptor passed over an IPC channel arrives as a new descriptor for the same socket. So a
// short-lived child inherits the socket and sends it back `count` times.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';

const MESSAGE = 'wharf:listen-fd-copy';
/** The child's descriptor for the inherited socket: after stdin, stdout, stderr and the IPC channel. */
const CHILD_FD = 4;

// The child wraps the socket as a stream that is never read or written, so its own event loop
// never polls it: it cannot accept a connection meant for the parent. Each handle sent waits for
// the parent's acknowledgement, which is why the channel is kept referenced until the last one.
const CHILD_SOURCE = `
const { Socket } = require('node:net');
const count = Number(process.argv[1]);
const socket = new Socket({ fd: ${CHILD_FD}, readable: false, writable: false });
process.channel.ref();
let sent = 0;
for (let i = 0; i < count; i++) {
  process.send(${JSON.stringify(MESSAGE)}, socket, { keepOpen: true }, (error) => {
    if (error) { process.stderr.write(String(error.message)); process.exit(1); }
    if (++sent === count) process.disconnect();
  });
}
`;

export class ListenCopyError extends Error {
  constructor(
    message: string,
    readonly code: 'WHARF_LISTEN_COPY_UNSUPPORTED' | 'WHARF_LISTEN_COPY_FAILED',
  ) {
    super(message);
  }
}

/** The descriptor of a listening server's socket, where this Node exposes it. */
export function listeningFd(server: Server): number | undefined {
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/**
 * `count` new descriptors for `server`'s listening socket, each wrapped in a socket that is not
 * read: hand each one to `net.Server.listen()` in the same tick it arrives (`each`), before this
 * process polls it. Resolves once the child has exited, so no process is left behind.
 */
export function copyListeningSocket(server: Server, count: number, each: (copy: Socket) => void, timeoutMs = 10_000): Promise<void> {
  const fd = listeningFd(server);
  if (fd === undefined) return Promise.reject(new ListenCopyError('this Node does not expose the listening socket', 'WHARF_LISTEN_COPY_UNSUPPORTED'));
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['-e', CHILD_SOURCE, String(count)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', fd],
      // The child needs none of the parent's preloads or flags and must start fast.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let received = 0;
    let stderr = '';
    let failure: string | undefined;
    const timer = setTimeout(() => {
      failure = `no copy after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message: unknown, copy: Socket | undefined) => {
      if (message !== MESSAGE || !copy || failure) return;
      try {
        each(copy);
        received++;
      } catch (error) {
        failure = (error as Error).message;
        copy.destroy();
        child.kill('SIGKILL');
      }
    });
    child.once('error', (error) => (failure = error.message));
    child.once('close', (code) => {
      clearTimeout(timer);
      if (received === count && !failure) resolve();
      else reject(new ListenCopyError(`copying the listening socket: ${failure ?? (stderr.trim() || `child exited with ${code}`)} (${received} of ${count} copies)`, 'WHARF_LISTEN_COPY_FAILED'));
    });
  });
}
