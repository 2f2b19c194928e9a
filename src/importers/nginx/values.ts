// nginx value syntax -> wharf value syntax (times, sizes, rates, addresses, hash keys).

const TIME_PART = /(\d+)(ms|s|m|h|d|w|M|y)/g;
const DAYS: Record<string, number> = { w: 7, M: 30, y: 365 };

/** "30" (seconds), "500ms", "1h 30m", "1w" -> "30s", "500ms", "1h30m", "7d"; undefined if not a time. */
export function nginxTime(value: string): string | undefined {
  const text = value.replace(/\s+/g, '');
  if (/^\d+$/.test(text)) return `${text}s`;
  if (!/^(\d+(ms|s|m|h|d|w|M|y))+$/.test(text)) return undefined;
  return [...text.matchAll(TIME_PART)].map(([, n, unit]) => (DAYS[unit!] ? `${Number(n) * DAYS[unit!]!}d` : `${n}${unit}`)).join('');
}

/** "10m", "512k", "1G", "1024" -> "10m", "512k", "1g", 1024; undefined if not a size. */
export function nginxSize(value: string): string | number | undefined {
  const match = /^(\d+)([kKmMgG])?$/.exec(value.trim());
  if (!match) return undefined;
  return match[2] ? `${match[1]}${match[2].toLowerCase()}` : Number(match[1]);
}

/** "10r/s", "30r/m" pass through; undefined otherwise. */
export function nginxRate(value: string): string | undefined {
  return /^\d+r\/[sm]$/.test(value) ? value : undefined;
}

export interface UpstreamTarget {
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** "10.0.0.1:9000", "backend" (port 80), "[::1]:9000" -> address; undefined for unix sockets. */
export function nginxServerAddress(value: string, defaultPort = 80): UpstreamTarget | undefined {
  if (value.startsWith('unix:')) return undefined;
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    const port = Number(bracketed[2] ?? defaultPort);
    return { host: bracketed[1]!, port, address: `[${bracketed[1]}]:${port}` };
  }
  const plain = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(value);
  if (!plain) return undefined;
  const port = Number(plain[2] ?? defaultPort);
  if (port < 1 || port > 65535) return undefined;
  return { host: plain[1]!, port, address: `${plain[1]}:${port}` };
}

/**
 * The address part of `listen`: "80", "127.0.0.1:8080", "*:443", "[::]:80", "localhost"
 * -> "0.0.0.0:80" etc. undefined for unix sockets and anything unparseable.
 */
export function nginxListenAddress(value: string): string | undefined {
  if (value.startsWith('unix:')) return undefined;
  if (/^\d+$/.test(value)) return `0.0.0.0:${value}`;
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return `[${bracketed[1]}]:${bracketed[2] ?? 80}`;
  const plain = /^(\*|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(value);
  if (!plain) return undefined;
  return `${plain[1] === '*' ? '0.0.0.0' : plain[1]}:${plain[2] ?? 80}`;
}

/** `hash` keys wharf can read from a request; undefined for composite or unknown keys. */
export function nginxHashKey(key: string): string | undefined {
  if (key === '$remote_addr' || key === '$binary_remote_addr') return 'ip';
  if (key === '$request_uri') return 'uri';
  if (key === '$uri' || key === '$document_uri') return 'path';
  const variable = /^\$(http|cookie|arg)_([A-Za-z0-9_-]+)$/.exec(key);
  if (!variable) return undefined;
  const [, kind, name] = variable;
  if (kind === 'http') return `header:${name!.replace(/_/g, '-')}`;
  return `${kind}:${name}`;
}

/** A name usable as a wharf upstream for a bare proxy_pass address. */
export function upstreamNameFor(target: UpstreamTarget): string {
  return `${target.host.replace(/[^A-Za-z0-9.-]/g, '_')}_${target.port}`;
}
