// The registry's DNS server on one address, UDP and TCP (dns-packet does the wire format).
// UDP answers that do not fit the client's size (512 bytes, or its EDNS0 size) are cut to
// whole records and marked truncated, so the client retries over TCP. TCP connections carry
// length-prefixed messages and are closed when idle.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { answerQuery, type DnsSource } from './dns-answers.js';
import type { NodeIdentity } from './consul-views.js';

const UDP_DEFAULT_SIZE = 512;
const UDP_MAX_SIZE = 4096;
const TCP_IDLE_MS = 10_000;
const TCP_MAX_CONNECTIONS = 512;
/** Tries at a pair of ports when any port will do (see start). */
const PORT_ZERO_ATTEMPTS = 5;
const FORMERR = 1;

export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Socket>();

  constructor(
    private readonly source: DnsSource,
    private readonly node: NodeIdentity,
  ) {}

  async start(host: string, port: number): Promise<void> {
    // Asked for any port, UDP picks one and TCP must then get the same number, which another
    // process may hold over TCP: pick again a few times before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bind(host, port);
        return;
      } catch (error) {
        const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
        if (port !== 0 || cause?.code !== 'EADDRINUSE' || attempt >= PORT_ZERO_ATTEMPTS) throw error;
      }
    }
  }

  private async bind(host: string, port: number): Promise<void> {
    const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    udp.on('message', (message, peer) => {
      const reply = this.reply(message, 'udp');
      if (reply) udp.send(reply, peer.port, peer.address);
    });
    udp.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    }).catch((error: Error) => {
      udp.close();
      throw listenFailed(host, port, error);
    });
    this.udp = udp;
    // TCP on the same port as UDP (the port UDP got, when asked for port 0).
    const tcp = createServer((socket) => this.serveTcp(socket));
    tcp.maxConnections = TCP_MAX_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(udp.address().port, host, () => resolve());
      });
    } catch (error) {
      await this.close();
      throw listenFailed(host, port, error as Error);
    }
    this.tcp = tcp;
  }

  address(): { host: string; port: number } {
    const address = this.udp?.address();
    return address ? { host: address.address, port: address.port } : { host: '', port: 0 };
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  /** The encoded response to one message, or nothing for what cannot be answered at all. */
  private reply(message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      if (message.length < 12) return undefined;
      return dnsPacket.encode({ type: 'response', id: message.readUInt16BE(0), flags: FORMERR, questions: [] });
    }
    if (query.type !== 'query') return undefined;
    const response = answerQuery(query, this.source, this.node);
    return transport === 'tcp' ? dnsPacket.encode(response) : fitUdp(response, udpSize(query));
  }

  private serveTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('error', () => {});
    socket.on('close', () => this.connections.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const reply = this.reply(pending.subarray(2, 2 + length), 'tcp');
        pending = pending.subarray(2 + length);
        if (!reply) return void socket.destroy();
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    });
  }
}

/** The client's UDP payload size: its EDNS0 OPT record's, else 512. */
function udpSize(query: Packet): number {
  const opt = query.additionals?.find((record) => record.type === 'OPT');
  const size = opt && 'udpPayloadSize' in opt ? Number(opt.udpPayloadSize) : UDP_DEFAULT_SIZE;
  return Math.min(Math.max(size, UDP_DEFAULT_SIZE), UDP_MAX_SIZE);
}

function fitUdp(response: Packet, limit: number): Buffer {
  let encoded = dnsPacket.encode(response);
  if (encoded.length <= limit) return encoded;
  const answers = [...(response.answers ?? [])];
  let additionals = [...(response.additionals ?? [])];
  const flags = (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  do {
    if (additionals.length) additionals = [];
    else answers.pop();
    encoded = dnsPacket.encode({ ...response, flags, answers, additionals });
  } while (encoded.length > limit && (answers.length > 0 || additionals.length > 0));
  return encoded;
}

function listenFailed(host: string, port: number, error: Error): Error {
  return Object.assign(new Error(`cannot listen for DNS on ${host}:${port}: ${error.message}`), { code: 'WHARF_LISTEN_FAILED', cause: error });
}
