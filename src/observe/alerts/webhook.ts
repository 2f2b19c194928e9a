// Delivers alert payloads as JSON POSTs. Each URL gets its messages in order (a resolve never
// overtakes its firing); a failed delivery (network error, timeout, 5xx) is retried a few
// times with a growing pause, then dropped with a log line.
import type { Logger } from '../logger.js';

export interface WebhookOptions {
  readonly timeoutMs?: number;
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

export class WebhookSender {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly logger: Logger,
    options: WebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  send(urls: readonly string[], payload: unknown): void {
    const body = JSON.stringify(payload);
    for (const url of urls) {
      const previous = this.queues.get(url) ?? Promise.resolve();
      const next = previous.then(() => this.deliver(url, body));
      this.queues.set(url, next);
      void next.finally(() => {
        if (this.queues.get(url) === next) this.queues.delete(url);
      });
    }
  }

  /** Resolves when every queued delivery has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private async deliver(url: string, body: string): Promise<void> {
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let problem: string;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'wharf-alerts' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status < 500) {
          if (response.status >= 400) this.logger.warn({ url, status: response.status }, 'alert webhook refused the alert');
          return;
        }
        problem = `HTTP ${response.status}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      if (attempt === this.attempts) {
        this.logger.error({ url, error: problem, attempts: attempt }, 'alert webhook delivery failed; alert dropped');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt).unref());
    }
  }
}
