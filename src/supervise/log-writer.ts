// One app's log file, `<logs.dir>/<APP>.log`, with size-based rotation keeping K old files
// (APP.log.1 newest ... APP.log.K oldest).
//
// A child is never slowed down by its log: its pipes are always read, and lines are queued
// here in memory while the disk write runs. If the disk falls behind by more than
// `maxPendingBytes`, further lines are dropped (counted in `dropped`) instead of pausing the
// child's pipe, and a marker line saying how many were lost is written once it catches up.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LogWriterOptions {
  readonly path: string;
  /** Rotate before the file would grow past this many bytes; 0 = never rotate. */
  readonly maxSize: number;
  /** Rotated files kept; 0 = the current file is simply started over. */
  readonly keep: number;
  readonly maxPendingBytes?: number;
  readonly onError?: (error: Error) => void;
}

const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;

export class LogWriter {
  /** Lines lost because the disk fell behind (or failed) since this writer was created. */
  dropped = 0;
  readonly path: string;
  private pending: string[] = [];
  private pendingBytes = 0;
  private droppedUnreported = 0;
  private handle?: FileHandle;
  private size = 0;
  private flushing?: Promise<void>;
  private closed = false;
  private readonly maxPendingBytes: number;

  constructor(private readonly options: LogWriterOptions) {
    this.path = options.path;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  }

  write(line: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(line) + 1;
    if (this.pendingBytes + bytes > this.maxPendingBytes) {
      this.dropped++;
      this.droppedUnreported++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.kick();
  }

  /** Resolves once every line queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      // A line queued between the loop's last check and this callback still gets written.
      if (this.pending.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 || this.droppedUnreported > 0) {
      const lines = this.pending;
      this.pending = [];
      if (this.droppedUnreported > 0) {
        lines.push(`${new Date().toISOString()} [wharf] dropped ${this.droppedUnreported} log lines: writing to disk fell behind`);
        this.droppedUnreported = 0;
      }
      const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      try {
        await this.writeLines(lines);
      } catch (error) {
        this.dropped += lines.length;
        this.options.onError?.(error as Error);
        await this.handle?.close().catch(() => {});
        this.handle = undefined;
      }
      this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
    }
  }

  private async writeLines(lines: readonly string[]): Promise<void> {
    const { maxSize } = this.options;
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      if (maxSize > 0 && this.size + chunkBytes + bytes > maxSize && this.size + chunkBytes > 0) {
        await this.append(chunk, chunkBytes);
        await this.rotate();
        chunk = [];
        chunkBytes = 0;
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    await this.append(chunk, chunkBytes);
  }

  private async append(lines: readonly string[], bytes: number): Promise<void> {
    if (lines.length === 0) return;
    const handle = await this.open();
    await handle.write(`${lines.join('\n')}\n`);
    this.size += bytes;
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a');
    this.size = (await handle.stat()).size;
    this.handle = handle;
    return handle;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const { keep } = this.options;
    if (keep <= 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      await renameIfExists(this.path, `${this.path}.1`);
    }
    this.size = 0;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
