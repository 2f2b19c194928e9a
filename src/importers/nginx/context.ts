// State shared while translating one nginx config: the draft, the zones declared at http
// level, the listeners gathered from every server, and the routes made so far.
import { ConfigDraft, type DraftPath } from '../config-draft.js';
import { directiveText, placeOf, type NginxDirective } from './parse.js';

export interface RequestZone {
  readonly rate?: string;
  /** wharf's limit_req key, or undefined when nginx's key has no equivalent. */
  readonly key?: string;
  readonly directive: NginxDirective;
}

export interface ConnectionZone {
  /** per_ip for client-address keys, total for per-server keys, undefined otherwise. */
  readonly kind?: 'per_ip' | 'total';
  readonly directive: NginxDirective;
}

export interface TlsPair {
  readonly cert: string;
  readonly key: string;
}

export interface Listener {
  readonly tls: TlsPair[];
  readonly directive: NginxDirective;
}

export type DraftRoute = Record<string, unknown>;

export class NginxContext {
  readonly draft = new ConfigDraft();
  readonly requestZones = new Map<string, RequestZone>();
  readonly connectionZones = new Map<string, ConnectionZone>();
  /** Upstream blocks that produced nothing usable: proxy_pass to them cannot be routed. */
  readonly failedUpstreams = new Set<string>();
  readonly listeners = new Map<string, Listener>();
  /** Some server listens with ssl: plain-HTTP redirect servers then only exist to send clients there. */
  hasTlsServer = false;
  /** The listen addresses of the server being translated: its routes answer on those only. */
  serverListeners: readonly string[] = [];
  private readonly settingSources = new Map<string, { value: unknown; directive: NginxDirective }>();
  private readonly routeOwners = new Map<string, string>();

  get upstreams(): Record<string, Record<string, unknown>> {
    return this.draft.section('upstreams') as Record<string, Record<string, unknown>>;
  }

  get routes(): DraftRoute[] {
    return this.draft.list('routes') as DraftRoute[];
  }

  /** A directive with no wharf equivalent: listed in `untranslated` and written as a comment. */
  note(directive: NginxDirective, why?: string, path?: DraftPath): void {
    this.draft.untranslatedSetting(placeOf(directive), directiveText(directive), why, path);
  }

  /** A directive whose effect is what wharf does anyway: worth a comment, not a warning. */
  builtin(directive: NginxDirective, why: string, path?: DraftPath): void {
    this.draft.comment(path, `${placeOf(directive)}: ${directiveText(directive)} — ${why}`);
  }

  /** Where a route with the same host and path came from, if there is one (wharf rejects duplicates). */
  routeOwner(route: DraftRoute): string | undefined {
    return routeKeys(route, this.serverListeners).map((key) => this.routeOwners.get(key)).find((owner) => owner !== undefined);
  }

  addRoute(route: DraftRoute, origin: NginxDirective): void {
    for (const key of routeKeys(route, this.serverListeners)) this.routeOwners.set(key, placeOf(origin));
    if (this.serverListeners.length) route.listeners = [...this.serverListeners];
    this.routes.push(route);
  }

  /**
   * Keeps `listeners` on routes only where servers listen on different addresses (else every
   * route is on every listener anyway), naming only listeners that made it into `listen:`.
   */
  settleRouteListeners(emitted: ReadonlySet<string>): void {
    const sets = new Set(this.routes.map((r) => JSON.stringify(r.listeners ?? [])));
    for (const route of this.routes) {
      const kept = ((route.listeners as string[] | undefined) ?? []).filter((a) => emitted.has(a));
      if (sets.size <= 1 || kept.length === 0) delete route.listeners;
      else route.listeners = kept;
    }
  }

  /**
   * Sets a per-upstream key that nginx configured per location (timeouts, tries). The first
   * location wins; a different value elsewhere is reported.
   */
  setUpstreamSetting(upstream: string, key: string, value: unknown, directive: NginxDirective): void {
    const pool = this.upstreams[upstream];
    if (!pool) return;
    const id = `${upstream}\u0000${key}`;
    const previous = this.settingSources.get(id);
    if (previous && previous.value !== value) {
      this.note(directive, `upstream ${upstream} already has ${key}: ${String(previous.value)} from ${placeOf(previous.directive)}; wharf sets it per upstream, not per location`);
      return;
    }
    if (!previous) {
      this.settingSources.set(id, { value, directive });
      pool[key] = value;
    }
  }
}

function routeKeys(route: DraftRoute, listeners: readonly string[]): string[] {
  const hosts = route.host === undefined ? ['*'] : Array.isArray(route.host) ? (route.host as string[]) : [route.host as string];
  const path = (route.path as string | undefined) ?? '/';
  const on = [...listeners].sort().join(',');
  return hosts.map((host) => `${on} ${host.toLowerCase()} ${path}`);
}
