// Registry entries in the JSON shapes of Consul's HTTP API (agent, catalog, health), plus a
// definition back in register form (what the state file keeps). wharf is one agent node.
import type { CheckDefinition, CheckView, ServiceDefinition, ServiceEntry } from './types.js';
import { formatGoDuration } from './consul-json.js';

export interface NodeIdentity {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly datacenter: string;
}

const WEIGHTS = { Passing: 1, Warning: 1 } as const;
const CHECK_TYPE: Record<CheckDefinition['kind'], string> = { http: 'http', tcp: 'tcp', ttl: 'ttl', managed: '' };

function taggedAddresses(address: string, port: number) {
  return { lan_ipv4: { Address: address, Port: port }, wan_ipv4: { Address: address, Port: port } };
}

export function agentService(entry: ServiceEntry, node: NodeIdentity) {
  return {
    ID: entry.id,
    Service: entry.name,
    Tags: entry.tags,
    Meta: entry.meta,
    Port: entry.port,
    Address: entry.address,
    TaggedAddresses: taggedAddresses(entry.address, entry.port),
    Weights: WEIGHTS,
    EnableTagOverride: false,
    Datacenter: node.datacenter,
  };
}

export function checkJson(check: CheckView, tags: readonly string[], node: NodeIdentity) {
  const d = check.definition;
  return {
    Node: node.name,
    CheckID: d.id,
    Name: d.name,
    Status: check.status,
    Notes: d.notes,
    Output: check.output,
    ServiceID: check.serviceId,
    ServiceName: check.serviceName,
    ServiceTags: tags,
    Type: CHECK_TYPE[d.kind],
    Interval: d.intervalMs ? formatGoDuration(d.intervalMs) : '',
    Timeout: d.kind === 'http' || d.kind === 'tcp' ? formatGoDuration(d.timeoutMs) : '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: check.createIndex,
    ModifyIndex: check.modifyIndex,
  };
}

/** The node's own check: wharf answering is the agent being alive. */
export function nodeCheck(node: NodeIdentity) {
  return {
    Node: node.name, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '',
    Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '',
    Interval: '', Timeout: '', ExposedPort: 0, Definition: {}, CreateIndex: 1, ModifyIndex: 1,
  };
}

export function agentChecks(entries: readonly ServiceEntry[], node: NodeIdentity): Record<string, ReturnType<typeof checkJson>> {
  const out: Record<string, ReturnType<typeof checkJson>> = {};
  for (const entry of entries) for (const check of entry.checks) out[check.definition.id] = checkJson(check, entry.tags, node);
  return out;
}

function nodeJson(node: NodeIdentity) {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    Meta: { 'consul-network-segment': '' },
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

export function catalogService(entry: ServiceEntry, node: NodeIdentity) {
  const n = nodeJson(node);
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses,
    NodeMeta: n.Meta,
    ServiceKind: '',
    ServiceID: entry.id,
    ServiceName: entry.name,
    ServiceTags: entry.tags,
    ServiceAddress: entry.address,
    ServiceTaggedAddresses: taggedAddresses(entry.address, entry.port),
    ServiceWeights: WEIGHTS,
    ServiceMeta: entry.meta,
    ServicePort: entry.port,
    ServiceEnableTagOverride: false,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}

export function healthEntry(entry: ServiceEntry, node: NodeIdentity) {
  return {
    Node: nodeJson(node),
    Service: {
      ID: entry.id,
      Service: entry.name,
      Tags: entry.tags,
      Address: entry.address,
      TaggedAddresses: taggedAddresses(entry.address, entry.port),
      Meta: entry.meta,
      Port: entry.port,
      Weights: WEIGHTS,
      EnableTagOverride: false,
      Proxy: { MeshGateway: {}, Expose: {} },
      Connect: {},
      CreateIndex: entry.createIndex,
      ModifyIndex: entry.modifyIndex,
    },
    Checks: [nodeCheck(node), ...entry.checks.map((check) => checkJson(check, entry.tags, node))],
  };
}

/** GET /v1/catalog/services: every name with the union of its instances' tags. */
export function catalogServices(services: ReadonlyMap<string, readonly ServiceEntry[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, entries] of services) out[name] = [...new Set(entries.flatMap((e) => e.tags))];
  return out;
}

/** A definition in the register endpoint's JSON (the state file stores these). */
export function registrationJson(definition: ServiceDefinition) {
  return {
    ID: definition.id,
    Name: definition.name,
    Address: definition.address,
    Port: definition.port,
    Tags: definition.tags,
    Meta: definition.meta,
    Checks: definition.checks.map((c) => ({
      CheckID: c.id,
      Name: c.name,
      Notes: c.notes,
      ...(c.http && { HTTP: c.http.url, Method: c.http.method, Header: c.http.headers, Body: c.http.body, TLSSkipVerify: c.http.tlsSkipVerify }),
      ...(c.tcp && { TCP: c.tcp.host.includes(':') ? `[${c.tcp.host}]:${c.tcp.port}` : `${c.tcp.host}:${c.tcp.port}` }),
      ...(c.kind === 'ttl' ? { TTL: formatGoDuration(c.ttlMs) } : { Interval: formatGoDuration(c.intervalMs), Timeout: formatGoDuration(c.timeoutMs) }),
      SuccessBeforePassing: c.successBeforePassing,
      FailuresBeforeCritical: c.failuresBeforeCritical,
      DeregisterCriticalServiceAfter: formatGoDuration(c.deregisterCriticalAfterMs),
    })),
  };
}
