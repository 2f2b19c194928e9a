// The access log: nginx's `combined` line or one JSON object per line, to stdout, a file, or
// nowhere. Lines are batched and written once per event-loop turn. A file target is reopened
// on reopen() (SIGUSR1, logrotate's convention).
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { AccessRecord } from './access-record.js';

const FILE_BUFFER_CHARS = 64 * 1024;
const FILE_FLUSH_MS = 250;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class AccessLog {
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private file: WriteStream | undefined;
  private cachedSecond = -1;
  private cachedTime = '';

  constructor(
    private readonly target: string,
    private readonly format: 'combined' | 'json',
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    if (this.isFile) this.file = this.open();
  }

  private get isFile(): boolean {
    return this.target !== 'off' && this.target !== 'stdout' && this.target !== 'stderr';
  }

  readonly write = (record: AccessRecord): void => {
    if (this.target === 'off') return;
    const line = this.format === 'json' ? this.json(record) : this.combined(record);
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.file && this.pendingChars >= FILE_BUFFER_CHARS) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // A file is written in batches, like nginx's `access_log ... buffer=64k flush=250ms`:
      // one write per batch instead of one per event-loop turn (measured ~5 µs a request).
      // stdout stays per turn, so a terminal shows each request at once.
      if (this.file) this.timer = setTimeout(this.flush, FILE_FLUSH_MS);
      else setImmediate(this.flush);
    }
  };

  reopen(): void {
    if (!this.isFile) return;
    this.flush();
    const old = this.file;
    this.file = this.open();
    old?.end();
  }

  async close(): Promise<void> {
    this.flush();
    const file = this.file;
    this.file = undefined;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (this.target === 'stdout') this.stdout.write(text);
    else if (this.target === 'stderr') process.stderr.write(text);
    else this.file?.write(text);
  };

  private open(): WriteStream {
    // A first start (or a logrotate that moved the directory away) must not lose the log.
    try {
      mkdirSync(dirname(this.target), { recursive: true });
    } catch {
      // The stream's own error below says why the file cannot be written.
    }
    const stream = createWriteStream(this.target, { flags: 'a' });
    stream.on('error', (error) => process.stderr.write(`wharf: access log ${this.target}: ${error.message}\n`));
    return stream;
  }

  /** nginx's $time_local, e.g. 10/Oct/2000:13:55:36 +0000; cached per second. */
  private timeLocal(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.cachedSecond) {
      const d = new Date(ms);
      const offset = -d.getTimezoneOffset();
      const sign = offset >= 0 ? '+' : '-';
      const abs = Math.abs(offset);
      const pad = (n: number) => String(n).padStart(2, '0');
      this.cachedTime = `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
      this.cachedSecond = second;
    }
    return this.cachedTime;
  }

  private combined(r: AccessRecord): string {
    // A request the parser refused has no request line worth repeating: nginx logs "-" too.
    const request = r.method === '-' ? '-' : `${r.method} ${r.url} HTTP/${r.httpVersion}`;
    return `${r.clientIp} - - [${this.timeLocal(r.startedAt)}] "${escape(request)}" ${r.status} ${r.bytesOut} "${escape(r.referer) || '-'}" "${escape(r.userAgent) || '-'}"\n`;
  }

  private json(r: AccessRecord): string {
    return `${JSON.stringify({
      time: new Date(r.startedAt).toISOString(),
      client: r.clientIp,
      method: r.method,
      url: r.url,
      protocol: `HTTP/${r.httpVersion}`,
      host: r.host,
      status: r.status,
      bytes_in: r.bytesIn,
      bytes_out: r.bytesOut,
      duration_ms: Math.round(r.durationMs * 1000) / 1000,
      upstream_ms: Math.round(r.upstreamMs * 1000) / 1000,
      route: r.route || undefined,
      upstream: r.pool || undefined,
      tries: r.tries.length ? r.tries : undefined,
      reason: r.reason || undefined,
      upgraded: r.upgraded || undefined,
      referer: r.referer || undefined,
      user_agent: r.userAgent || undefined,
    })}\n`;
  }
}

/** nginx escapes quotes, backslashes and control bytes in logged strings as \xHH. */
function escape(text: string): string {
  return /["\\\x00-\x1f\x7f]/.test(text) ? text.replace(/["\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`) : text;
}
