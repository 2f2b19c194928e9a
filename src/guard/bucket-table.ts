// limit_req's per-key state: a hash map for lookup threaded on a doubly linked list in
// least-recently-used order, so moving a key to the recent end, dropping the oldest and
// checking the oldest for idleness are all O(1). (Iterating a JS Map from its start after
// many deletions is not: V8 walks over the deleted slots until it next rehashes.)

export interface Bucket {
  readonly key: string;
  /** Requests admitted beyond the rate that have not leaked out yet. */
  excess: number;
  /** When excess was last updated (ms, monotonic clock). */
  last: number;
  /** When the bucket will have leaked empty, i.e. be as good as absent. */
  idleAt: number;
  older: Bucket | undefined;
  newer: Bucket | undefined;
}

export class BucketTable {
  private readonly byKey = new Map<string, Bucket>();
  private oldest: Bucket | undefined;
  private newest: Bucket | undefined;

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): Bucket | undefined {
    return this.byKey.get(key);
  }

  /** Adds a bucket as the most recent, first forgetting the oldest when the table is full. */
  add(key: string, excess: number, last: number, idleAt: number): void {
    if (this.byKey.size >= this.maxKeys && this.oldest !== undefined) this.remove(this.oldest);
    const bucket: Bucket = { key, excess, last, idleAt, older: this.newest, newer: undefined };
    if (this.newest !== undefined) this.newest.newer = bucket;
    else this.oldest = bucket;
    this.newest = bucket;
    this.byKey.set(key, bucket);
  }

  touch(bucket: Bucket): void {
    if (bucket === this.newest) return;
    this.unlink(bucket);
    bucket.older = this.newest;
    bucket.newer = undefined;
    this.newest!.newer = bucket;
    this.newest = bucket;
  }

  /** Drops up to `limit` of the least recently used buckets that have leaked empty by `now`. */
  expireIdle(now: number, limit: number): void {
    for (let i = 0; i < limit; i++) {
      const oldest = this.oldest;
      if (oldest === undefined || oldest.idleAt > now) return;
      this.remove(oldest);
    }
  }

  private remove(bucket: Bucket): void {
    this.unlink(bucket);
    this.byKey.delete(bucket.key);
  }

  private unlink(bucket: Bucket): void {
    if (bucket.older !== undefined) bucket.older.newer = bucket.newer;
    else this.oldest = bucket.newer;
    if (bucket.newer !== undefined) bucket.newer.older = bucket.older;
    else this.newest = bucket.older;
    bucket.older = undefined;
    bucket.newer = undefined;
  }
}
