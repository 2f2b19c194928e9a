// Raw HTTP/1.1 over a plain TCP socket, for requests no well-behaved client would send.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Everything the server wrote before closing (or before the wait ended). */
  readonly text: string;
  /** Status code of the first response, or 0 when nothing parseable came back. */
  readonly status: number;
  /** True when the server closed the connection. */
  readonly closed: boolean;
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects what `socket` receives until the server closes it or `waitMs` passes. */
export function collect(socket: Socket, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: match ? Number(match[1]) : 0, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.once('error', () => finish(true));
  });
}

/** Sends `bytes` on a fresh connection and collects the answer (the server should close). */
export async function rawExchange(port: number, bytes: string | Buffer, waitMs = 3000): Promise<RawAnswer> {
  const socket = await openSocket(port);
  const answer = collect(socket, waitMs);
  socket.write(bytes);
  return answer;
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
