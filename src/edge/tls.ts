// Certificates for a TLS listener, chosen by SNI from the names in each certificate (SAN DNS
// entries, else CN). Files are watched and reloaded when they change (certbot renewals); a
// half-written or invalid pair is logged and the previous one keeps serving.
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsCert } from '../config/model.js';
import type { Logger } from '../observe/logger.js';

interface LoadedPair {
  readonly pair: TlsCert;
  context: SecureContext;
  names: string[];
  /** The PEM bytes the context was made from (a file may change again under us). */
  pem: { cert: Buffer; key: Buffer };
}

export class CertificateStore {
  private loaded: LoadedPair[] = [];
  private exact = new Map<string, LoadedPair>();
  private wildcard = new Map<string, LoadedPair>();
  private watched: string[] = [];
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    pairs: readonly TlsCert[],
    private readonly logger: Logger,
    private readonly pollMs = 1000,
  ) {
    this.replace(pairs);
  }

  /** Initial context (first pair) for clients that send no SNI. */
  get defaultContext(): SecureContext {
    return this.loaded[0]!.context;
  }

  get defaultPair(): { cert: Buffer; key: Buffer } {
    return this.loaded[0]!.pem;
  }

  /**
   * Called after any pair changed. Clients without SNI never reach the SNI callback and get
   * the server's own context, so the listener must swap that one itself.
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  readonly sni = (servername: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
    callback(null, this.contextFor(servername));
  };

  contextFor(servername: string): SecureContext {
    const name = servername.toLowerCase();
    const exact = this.exact.get(name);
    if (exact) return exact.context;
    const dot = name.indexOf('.');
    const wild = dot > 0 ? this.wildcard.get(name.slice(dot)) : undefined;
    return (wild ?? this.loaded[0]!).context;
  }

  /** Sets the certificate pairs (config reload); throws if a pair cannot be loaded. */
  replace(pairs: readonly TlsCert[]): void {
    const loaded = pairs.map((pair) => ({ pair, ...load(pair) }));
    this.unwatch();
    this.loaded = loaded;
    this.index();
    this.changed();
    for (const entry of loaded) {
      for (const file of [entry.pair.cert, entry.pair.key]) {
        watchFile(file, { interval: this.pollMs }, () => this.refresh(entry));
        this.watched.push(file);
      }
    }
  }

  close(): void {
    this.unwatch();
  }

  private refresh(entry: LoadedPair): void {
    try {
      const fresh = load(entry.pair);
      entry.context = fresh.context;
      entry.names = fresh.names;
      entry.pem = fresh.pem;
      this.index();
      this.changed();
      this.logger.info({ cert: entry.pair.cert, names: entry.names }, 'certificate reloaded');
    } catch (error) {
      this.logger.warn({ cert: entry.pair.cert, err: (error as Error).message }, 'certificate changed but could not be loaded; keeping the previous one');
    }
  }

  private changed(): void {
    for (const listener of this.changeListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'certificate change could not be applied');
      }
    }
  }

  private index(): void {
    this.exact = new Map();
    this.wildcard = new Map();
    for (const entry of this.loaded) {
      for (const name of entry.names) {
        if (name.startsWith('*.')) {
          if (!this.wildcard.has(name.slice(1))) this.wildcard.set(name.slice(1), entry);
        } else if (!this.exact.has(name)) this.exact.set(name, entry);
      }
    }
  }

  private unwatch(): void {
    for (const file of this.watched) unwatchFile(file);
    this.watched = [];
  }
}

function load(pair: TlsCert): { context: SecureContext; names: string[]; pem: { cert: Buffer; key: Buffer } } {
  const cert = readFileSync(pair.cert);
  const key = readFileSync(pair.key);
  const context = createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  const x509 = new X509Certificate(cert);
  const names = (x509.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (names.length === 0) {
    const cn = /CN=([^\n,]+)/.exec(x509.subject)?.[1];
    if (cn) names.push(cn.toLowerCase());
  }
  return { context, names, pem: { cert, key } };
}
