// Where every finished exchange goes: the access log the running config names, then whoever
// else counts exchanges (metrics, canary judgement). Requests the HTTP parser refused come
// here too, as records of their own, so they are logged and counted like nginx's 400s.
import type { Writable } from 'node:stream';
import type { Logger } from '../observe/logger.js';
import { AccessLog } from './access-log.js';
import type { AccessRecord } from './access-record.js';

export interface AccessLogSettings {
  readonly accessLog: string;
  readonly accessLogFormat: 'combined' | 'json';
}

export interface AccessSinkDeps {
  readonly logger: Logger;
  /** Where `access_log: stdout` goes (tests capture it). */
  readonly stdout?: Writable;
  /** Told every record after the access log has it. */
  readonly counted: (record: AccessRecord) => void;
}

export class AccessSink {
  private log: AccessLog;
  private settings: AccessLogSettings;

  constructor(settings: AccessLogSettings, private readonly deps: AccessSinkDeps) {
    this.settings = settings;
    this.log = this.open(settings);
  }

  readonly record = (record: AccessRecord): void => {
    this.log.write(record);
    this.deps.counted(record);
  };

  /** A request the HTTP parser refused: wharf's log, then a record like any other exchange's. */
  clientError(status: number, code: string, clientIp: string): void {
    this.deps.logger.info({ status, code, client: clientIp }, 'malformed request rejected');
    const record: AccessRecord = {
      startedAt: Date.now(), durationMs: 0, clientIp: clientIp.startsWith('::ffff:') ? clientIp.slice(7) : clientIp,
      method: '-', url: '-', httpVersion: '1.1', host: '', status, bytesIn: 0, bytesOut: 0, referer: '', userAgent: '',
      route: '', pool: '', tries: [], reason: `bad_request: ${code}`, upstreamMs: 0, upgraded: false,
    };
    this.record(record);
  }

  /** A reload's commit: a changed target or format gets a new log; the old one finishes its writes and closes. */
  adopt(settings: AccessLogSettings): void {
    if (settings.accessLog === this.settings.accessLog && settings.accessLogFormat === this.settings.accessLogFormat) return;
    const old = this.log;
    this.log = this.open(settings);
    this.settings = settings;
    void old.close();
  }

  /** SIGUSR1: logrotate moved the file away. */
  reopen(): void {
    this.log.reopen();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private open(settings: AccessLogSettings): AccessLog {
    return new AccessLog(settings.accessLog, settings.accessLogFormat, this.deps.stdout);
  }
}
