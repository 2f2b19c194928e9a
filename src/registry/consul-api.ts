// The Consul-compatible HTTP API under /v1/, as one request handler: mounted on the control
// address and served by its own listener (registry.consul_api). Paths, fields, statuses and
// plain-text errors follow Consul's HTTP API docs; what wharf does not do is refused plainly.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from './registry.js';
import type { ServiceEntry } from './types.js';
import { RegistryError } from './errors.js';
import { parseCheckUpdate, parseRegistration, truncateOutput } from './consul-registration.js';
import {
  agentChecks, agentService, catalogService, catalogServices, healthEntry, type NodeIdentity,
} from './consul-views.js';
import {
  HttpProblem, blockingParams, booleanParam, readJson, sendJson, sendJsonText, sendOk, sendText, waitForIndex,
} from './consul-http.js';

/** Same shape as the control server's routes: true when this handler answered. */
export type RegistryRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ConsulApiOptions {
  readonly registry: Registry;
  readonly node: NodeIdentity;
  /** Whether the request may go on (the token policy is the composition root's). */
  readonly authorize: (req: IncomingMessage, url: URL) => 'ok' | 'unauthorized';
  readonly version?: string;
  readonly onError?: (error: Error, path: string) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, param: string) => Promise<void> | void;
interface Route { readonly method: 'GET' | 'PUT'; readonly path: string; readonly prefix: boolean; readonly handler: Handler }

const RENDERED_MAX = 4096;
const TTL_STATUS = { pass: 'passing', warn: 'warning', fail: 'critical' } as const;

export function consulApi(options: ConsulApiOptions): RegistryRoute {
  const { registry, node } = options;
  const consulHeaders = (index: number): Record<string, string> => ({
    'x-consul-index': String(index), 'x-consul-knownleader': 'true', 'x-consul-lastcontact': '0',
  });

  // Rendered answers by query, valid while their index holds: many clients polling or
  // blocking on one service share one serialization.
  const rendered = new Map<string, { index: number; text: string }>();

  /** A blocking read: waits for `indexOf` to pass ?index, then answers with the view and the index. */
  const blocking = (indexOf: () => number, view: () => unknown): Handler => async (_req, res, url) => {
    const params = blockingParams(url);
    await waitForIndex(registry, res, indexOf, params);
    if (res.destroyed) return;
    const index = indexOf();
    const key = `${url.pathname}|${url.searchParams.has('passing') ? booleanParam(url, 'passing') : false}|${tags(url).join('\n')}`;
    let cached = rendered.get(key);
    if (cached?.index !== index) {
      cached = { index, text: JSON.stringify(view()) };
      if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
      rendered.delete(key);
      rendered.set(key, cached);
    }
    sendJsonText(res, cached.text, consulHeaders(index));
  };

  const tags = (url: URL) => url.searchParams.getAll('tag');
  const ttlUpdate = (checkId: string, status: 'passing' | 'warning' | 'critical', output: string) => {
    const owner = registry.checkOwner(checkId);
    const check = owner === undefined ? undefined : registry.entry(owner)?.checks.find((c) => c.definition.id === checkId);
    if (!check) throw new HttpProblem(404, `Unknown check ID ${JSON.stringify(checkId)}. Ensure that the check ID is passed, not the check name.`);
    if (check.definition.kind !== 'ttl') throw new HttpProblem(400, `Check ${JSON.stringify(checkId)} is not a TTL check; only TTL checks are updated this way`);
    registry.updateCheck(checkId, status, output, { touch: true });
  };

  const routes: Route[] = [
    { method: 'GET', path: '/v1/agent/services', prefix: false, handler: (_req, res) => {
      sendJson(res, Object.fromEntries(registry.entries().map((e) => [e.id, agentService(e, node)])));
    } },
    { method: 'GET', path: '/v1/agent/checks', prefix: false, handler: (_req, res) => sendJson(res, agentChecks(registry.entries(), node)) },
    { method: 'GET', path: '/v1/agent/service/', prefix: true, handler: (_req, res, _url, id) => {
      const entry = registry.entry(id);
      if (!entry) throw new HttpProblem(404, `unknown service ID: ${id}`);
      sendJson(res, agentService(entry, node));
    } },
    { method: 'GET', path: '/v1/agent/self', prefix: false, handler: (_req, res) => sendJson(res, {
      Config: { Datacenter: node.datacenter, NodeName: node.name, NodeID: node.id, Server: true, Version: options.version ?? '', Revision: 'wharf' },
      Member: { Name: node.name, Addr: node.address, Port: 8301, Tags: { dc: node.datacenter, role: 'consul' }, Status: 1 },
      Meta: {},
    }) },
    { method: 'PUT', path: '/v1/agent/service/register', prefix: false, handler: async (req, res, url) => {
      const definition = parseRegistration(await readJson(req));
      registry.register(definition, { replaceExistingChecks: booleanParam(url, 'replace-existing-checks') });
      sendOk(res);
    } },
    { method: 'PUT', path: '/v1/agent/service/deregister/', prefix: true, handler: (_req, res, _url, id) => {
      // Consul's docs: deregistering an unknown service takes no action.
      if (registry.entry(id)?.origin === 'supervisor') throw new HttpProblem(409, `service ${JSON.stringify(id)} is an instance run by wharf's supervisor; stop it with wharf stop/scale`);
      registry.deregister(id);
      sendOk(res);
    } },
    ...(['pass', 'warn', 'fail'] as const).map((verb): Route => ({
      method: 'PUT', path: `/v1/agent/check/${verb}/`, prefix: true, handler: (_req, res, url, id) => {
        ttlUpdate(id, TTL_STATUS[verb], truncateOutput(url.searchParams.get('note') ?? ''));
        sendOk(res);
      },
    })),
    { method: 'PUT', path: '/v1/agent/check/update/', prefix: true, handler: async (req, res, _url, id) => {
      const update = parseCheckUpdate(await readJson(req));
      ttlUpdate(id, update.status, update.output);
      sendOk(res);
    } },
    { method: 'GET', path: '/v1/catalog/services', prefix: false, handler: blocking(() => registry.index, () => catalogServices(registry.services())) },
    { method: 'GET', path: '/v1/catalog/datacenters', prefix: false, handler: (_req, res) => sendJson(res, [node.datacenter]) },
    { method: 'GET', path: '/v1/catalog/service/', prefix: true, handler: (req, res, url, name) =>
      blocking(() => registry.indexOf(name), () => registry.service(name, tags(url)).map((e) => catalogService(e, node)))(req, res, url, name) },
    { method: 'GET', path: '/v1/health/service/', prefix: true, handler: (req, res, url, name) => {
      const passing = booleanParam(url, 'passing');
      const select = (entries: readonly ServiceEntry[]) => (passing ? entries.filter((e) => e.status === 'passing') : entries);
      return blocking(() => registry.indexOf(name), () => select(registry.service(name, tags(url))).map((e) => healthEntry(e, node)))(req, res, url, name);
    } },
    { method: 'GET', path: '/v1/status/leader', prefix: false, handler: (_req, res) => sendJson(res, `${node.address}:8300`) },
    { method: 'GET', path: '/v1/status/peers', prefix: false, handler: (_req, res) => sendJson(res, [`${node.address}:8300`]) },
  ];

  return async (req, res, url) => {
    const path = url.pathname;
    if (!path.startsWith('/v1/')) return false;
    try {
      // An exact path wins over a prefix with a parameter (GET /v1/agent/service/register is not a service id).
      const exact = routes.filter((r) => !r.prefix && path === r.path);
      const matching = exact.length ? exact : routes.filter((r) => r.prefix && path.startsWith(r.path) && path.length > r.path.length && !path.slice(r.path.length).includes('/'));
      if (matching.length === 0) throw new HttpProblem(404, `wharf's registry has no endpoint ${path} (it serves a subset of Consul's HTTP API: agent services and checks, catalog, health, status)`);
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const route = matching.find((r) => r.method === method);
      if (!route) {
        sendText(res, 405, `method ${req.method} not allowed`, { allow: matching.map((r) => r.method).join(', ') });
        return true;
      }
      if (!path.startsWith('/v1/status/') && options.authorize(req, url) !== 'ok') throw new HttpProblem(403, 'Permission denied: this request needs the wharf control token (X-Consul-Token header, Authorization: Bearer, or ?token=)');
      if (url.searchParams.has('filter')) throw new HttpProblem(400, 'the filter parameter is not supported by wharf; use tag= and passing');
      const dc = url.searchParams.get('dc');
      if (dc && dc !== node.datacenter) throw new HttpProblem(500, `No path to datacenter ${JSON.stringify(dc)}`);
      const param = route.prefix ? decodeURIComponent(path.slice(route.path.length)) : '';
      await route.handler(req, res, url, param);
    } catch (error) {
      answerError(res, error, path, options.onError);
    }
    return true;
  };
}

function answerError(res: ServerResponse, error: unknown, path: string, onError: ConsulApiOptions['onError']): void {
  if (res.headersSent) return void res.end();
  if (error instanceof HttpProblem) {
    // An oversize body is not read to its end: close the connection after answering.
    return sendText(res, error.status, error.message, error.status === 413 ? { connection: 'close' } : {});
  }
  if (error instanceof RegistryError) {
    const status = error.code === 'WHARF_REGISTRY_CONFLICT' ? 409 : error.code === 'WHARF_REGISTRY_STATE' ? 500 : 400;
    return sendText(res, status, error.message);
  }
  if (error instanceof URIError) return sendText(res, 400, `Invalid path: ${error.message}`);
  onError?.(error as Error, path);
  sendText(res, 500, `internal error: ${(error as Error).message}`);
}
