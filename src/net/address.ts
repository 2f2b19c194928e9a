// "host:port", "[v6]:port", ":port" or "port" -> host and port.
import { isIP } from 'node:net';

export interface HostPort { readonly host: string; readonly port: number }

export function parseAddress(text: string, defaultHost = '0.0.0.0'): HostPort | undefined {
  const trimmed = text.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
    if (isIP(host) !== 6) return undefined;
  } else if (/^\d+$/.test(trimmed)) {
    host = defaultHost;
    portText = trimmed;
  } else {
    const colon = trimmed.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = trimmed.slice(0, colon) || defaultHost;
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) return undefined;
    if (!/^[A-Za-z0-9.-]+$/.test(host)) return undefined;
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) return undefined;
  return { host, port };
}

export function formatAddress({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
