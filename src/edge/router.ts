// Host, then longest path prefix on a segment boundary. Built once per config: hosts are a
// map (exact) plus wildcard suffixes ordered longest first; paths are a map per host table,
// so a lookup costs one map probe per path segment, however many routes there are.

export interface Routable {
  readonly hosts: readonly string[];
  readonly path: string;
}

class PathTable<R> {
  private readonly byPrefix = new Map<string, R>();

  add(path: string, route: R): void {
    const key = trimSlash(path);
    if (!this.byPrefix.has(key)) this.byPrefix.set(key, route);
  }

  get size(): number {
    return this.byPrefix.size;
  }

  match(path: string): R | undefined {
    let candidate = trimSlash(path);
    for (;;) {
      const route = this.byPrefix.get(candidate);
      if (route !== undefined) return route;
      if (candidate === '') return undefined;
      const slash = candidate.lastIndexOf('/');
      candidate = slash <= 0 ? '' : candidate.slice(0, slash);
    }
  }
}

/** "/api/books/" -> "/api/books"; "/" -> "". Keys never end in a slash. */
function trimSlash(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return end === path.length ? path : path.slice(0, end);
}

export class Router<R extends Routable> {
  private readonly exact = new Map<string, PathTable<R>>();
  private readonly wildcards: { suffix: string; table: PathTable<R> }[] = [];
  private readonly anyHost = new PathTable<R>();

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      if (route.hosts.length === 0) this.anyHost.add(route.path, route);
      for (const host of route.hosts) this.tableFor(host).add(route.path, route);
    }
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /**
   * `host` is lowercased without port. Tables are tried most specific first (exact host,
   * longest wildcard, then routes without a host); the first table with a path match wins.
   */
  match(host: string, path: string): R | undefined {
    const exact = this.exact.get(host)?.match(path);
    if (exact !== undefined) return exact;
    for (const { suffix, table } of this.wildcards) {
      if (host.length > suffix.length && host.endsWith(suffix)) {
        const route = table.match(path);
        if (route !== undefined) return route;
      }
    }
    return this.anyHost.match(path);
  }

  private tableFor(host: string): PathTable<R> {
    if (host === '*') return this.anyHost;
    if (host.startsWith('*.')) {
      const suffix = host.slice(1);
      let entry = this.wildcards.find((w) => w.suffix === suffix);
      if (!entry) this.wildcards.push((entry = { suffix, table: new PathTable<R>() }));
      return entry.table;
    }
    let table = this.exact.get(host);
    if (!table) this.exact.set(host, (table = new PathTable<R>()));
    return table;
  }
}

/** Lowercased host without port, from a Host header or :authority. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  let end = header.length;
  if (header.charCodeAt(0) === 91) {
    const close = header.indexOf(']');
    return (close > 0 ? header.slice(0, close + 1) : header).toLowerCase();
  }
  const colon = header.indexOf(':');
  if (colon >= 0) end = colon;
  // "a.test." is the same name as "a.test" (a fully qualified name with its root label).
  if (end > 1 && header.charCodeAt(end - 1) === 46) end--;
  return header.slice(0, end).toLowerCase();
}
