// What one finished exchange looked like: the access log and the metrics both read this.
export interface AccessRecord {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly clientIp: string;
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly host: string;
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly referer: string;
  readonly userAgent: string;
  /** Route name, or '' when no route matched. */
  readonly route: string;
  /** Pool (upstream/app) name for proxied requests. */
  readonly pool: string;
  /** Each upstream try: address, status or error, ms. */
  readonly tries: readonly UpstreamTry[];
  /** Why wharf answered itself (guard rejection, upstream error, no route), if it did. */
  readonly reason: string;
  readonly upstreamMs: number;
  readonly upgraded: boolean;
}

export interface UpstreamTry {
  readonly peer: string;
  readonly status: number;
  readonly error?: string;
  readonly ms: number;
  /** Set when the request went on to another server after this try: why (upstream_reset, upstream_status_502...). */
  readonly retry?: string;
}

export type AccessSink = (record: AccessRecord) => void;
