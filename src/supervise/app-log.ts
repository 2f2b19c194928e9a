// One app's captured output: the rotating log file, `wharf logs -n` (tail) and `-f` (follow).
import { join } from 'node:path';
import type { LogFilesConfig } from '../config/model.js';
import type { Logger } from '../observe/logger.js';
import type { OutputStream } from './instance.js';
import { tailLog } from './log-reader.js';
import { LogWriter } from './log-writer.js';

export class AppLog {
  private writer: LogWriter;
  private readonly followers = new Set<(line: string) => void>();

  constructor(
    private readonly app: string,
    private config: LogFilesConfig,
    private readonly logger: Logger,
  ) {
    this.writer = this.open();
  }

  /** Config reload: a changed dir, size or count reopens the file under the new settings. */
  configure(config: LogFilesConfig): void {
    const current = this.config;
    if (config.dir === current.dir && config.maxSize === current.maxSize && config.keep === current.keep) return;
    this.config = config;
    void this.writer.close();
    this.writer = this.open();
  }

  write(index: number, stream: OutputStream | 'wharf', text: string): void {
    const line = `${new Date().toISOString()} ${this.app}.${index} ${stream} ${text}`;
    this.writer.write(line);
    for (const follower of this.followers) follower(line);
  }

  async tail(lines: number): Promise<string[]> {
    await this.writer.flush();
    return tailLog(this.writer.path, this.config.keep, lines);
  }

  follow(onLine: (line: string) => void): () => void {
    const listener = (line: string) => onLine(line);
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  private open(): LogWriter {
    return new LogWriter({
      path: join(this.config.dir, `${this.app}.log`),
      maxSize: this.config.maxSize,
      keep: this.config.keep,
      onError: (error) => this.logger.error({ app: this.app, err: error }, 'cannot write app log'),
    });
  }
}
