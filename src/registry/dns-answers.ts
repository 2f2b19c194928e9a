// Consul's DNS interface over the registry, as a pure function from a query to a response:
//   NAME.service[.DC].consul, TAG.NAME.service[.DC].consul, _NAME._TAG.service[.DC].consul
//     A/AAAA: the passing instances' addresses; SRV: port + a target whose address is in the
//     additional section (NODE.node.DC.consul for the node's address, HEX.addr.DC.consul else);
//   NODE.node[.DC].consul and HEX.addr[.DC].consul: that address (SRV targets resolve).
// A name that finds nothing is NXDOMAIN; a name found with no record of the asked type is an
// empty NOERROR. Names outside the domain are refused: this server does not recurse.
import { isIP } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet, Question } from 'dns-packet';
import type { ServiceEntry } from './types.js';
import type { NodeIdentity } from './consul-views.js';

export interface DnsSource {
  service(name: string): readonly ServiceEntry[];
  names(): Iterable<string>;
}

const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const DOMAIN = 'consul';
/** Consul's default: service answers are not cached. */
const TTL = 0;

interface Lookup {
  readonly rcode: number;
  readonly answers: Answer[];
  readonly additionals: Answer[];
}

export function answerQuery(query: Packet, source: DnsSource, node: NodeIdentity): Packet {
  const question = query.questions?.[0];
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  const base = { type: 'response' as const, id: query.id ?? 0, questions: question ? [question] : [] };
  if (!question || (query.questions?.length ?? 0) !== 1) return { ...base, flags: flags | RCODE.FORMERR };
  const lookup = resolve(question, source, node);
  const negative = lookup.answers.length === 0 && lookup.rcode !== RCODE.REFUSED;
  return {
    ...base,
    flags: flags | lookup.rcode,
    answers: lookup.answers,
    additionals: lookup.additionals,
    authorities: negative ? [soa(node)] : [],
  };
}

function resolve(question: Question, source: DnsSource, node: NodeIdentity): Lookup {
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  const nothing = (rcode: number): Lookup => ({ rcode, answers: [], additionals: [] });
  if (labels.at(-1) !== DOMAIN) return nothing(RCODE.REFUSED);
  if (question.class !== 'IN' && question.class !== 'ANY' && question.class !== undefined) return nothing(RCODE.NOTIMP);
  let rest = labels.slice(0, -1);
  // An optional datacenter label before the domain: ours, or nothing is known there.
  let kindAt = rest.length - 1;
  while (kindAt >= 0 && rest[kindAt] !== 'service' && rest[kindAt] !== 'node' && rest[kindAt] !== 'addr') kindAt--;
  if (kindAt < 0 || kindAt < rest.length - 2) return nothing(RCODE.NXDOMAIN);
  if (kindAt === rest.length - 2 && rest.at(-1) !== node.datacenter.toLowerCase()) return nothing(RCODE.NXDOMAIN);
  const kind = rest[kindAt]!;
  rest = rest.slice(0, kindAt);
  if (kind === 'node') return rest.length === 1 && rest[0] === node.name.toLowerCase() ? addressAnswer(question, node.address) : nothing(RCODE.NXDOMAIN);
  if (kind === 'addr') {
    const address = rest.length === 1 ? hexToAddress(rest[0]!) : undefined;
    return address ? addressAnswer(question, address) : nothing(RCODE.NXDOMAIN);
  }
  const target = serviceOf(rest);
  if (!target) return nothing(RCODE.NXDOMAIN);
  // DNS names are case-insensitive, and so are Consul's lookups of services and tags.
  const entries = source.service(serviceName(source, target.name)).filter(
    (e) => e.status === 'passing' && target.tags.every((tag) => e.tags.some((t) => t.toLowerCase() === tag)),
  );
  // Consul lists the instances in a random order so clients spread their load.
  const instances = shuffle(entries);
  if (instances.length === 0) return nothing(RCODE.NXDOMAIN);
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  for (const entry of instances) {
    if (question.type === 'SRV') {
      const host = srvTarget(entry.address, node);
      answers.push({ type: 'SRV', name: question.name, ttl: TTL, data: { priority: 1, weight: 1, port: entry.port, target: host } });
      additionals.push(...addressRecords(host, entry.address, 'ANY'));
    } else {
      answers.push(...addressRecords(question.name, entry.address, question.type));
    }
  }
  return { rcode: RCODE.NOERROR, answers, additionals: dedupe(additionals) };
}

function serviceName(source: DnsSource, lowercase: string): string {
  if (source.service(lowercase).length > 0) return lowercase;
  for (const name of source.names()) if (name.toLowerCase() === lowercase) return name;
  return lowercase;
}

/** NAME, TAG.NAME or the RFC 2782 form _NAME._TAG (_tcp meaning no tag). */
function serviceOf(labels: readonly string[]): { name: string; tags: string[] } | undefined {
  if (labels.length === 2 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
    const tag = labels[1]!.slice(1);
    return { name: labels[0]!.slice(1), tags: tag === 'tcp' ? [] : [tag] };
  }
  if (labels.length === 1) return { name: labels[0]!, tags: [] };
  if (labels.length === 2) return { name: labels[1]!, tags: [labels[0]!] };
  return undefined;
}

function addressAnswer(question: Question, address: string): Lookup {
  return { rcode: RCODE.NOERROR, answers: addressRecords(question.name, address, question.type), additionals: [] };
}

/** A, AAAA or CNAME (a host-name address) records of `name`, for the asked type. */
function addressRecords(name: string, address: string, type: string): Answer[] {
  const family = isIP(address);
  const any = type === 'ANY';
  if (family === 4 && (any || type === 'A')) return [{ type: 'A', name, ttl: TTL, data: address }];
  if (family === 6 && (any || type === 'AAAA')) return [{ type: 'AAAA', name, ttl: TTL, data: address }];
  if (family === 0 && (any || type === 'A' || type === 'AAAA' || type === 'CNAME')) return [{ type: 'CNAME', name, ttl: TTL, data: address }];
  return [];
}

function srvTarget(address: string, node: NodeIdentity): string {
  if (address === node.address) return `${node.name}.node.${node.datacenter}.${DOMAIN}`;
  if (isIP(address)) return `${addressToHex(address)}.addr.${node.datacenter}.${DOMAIN}`;
  return address;
}

function addressToHex(address: string): string {
  if (isIP(address) === 4) return address.split('.').map((part) => Number(part).toString(16).padStart(2, '0')).join('');
  return expandV6(address).map((group) => group.toString(16).padStart(4, '0')).join('');
}

function hexToAddress(hex: string): string | undefined {
  if (/^[0-9a-f]{8}$/.test(hex)) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  if (/^[0-9a-f]{32}$/.test(hex)) return Array.from({ length: 8 }, (_, i) => hex.slice(i * 4, i * 4 + 4)).join(':');
  return undefined;
}

function expandV6(address: string): number[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function soa(node: NodeIdentity): Answer {
  return {
    type: 'SOA', name: `${DOMAIN}.`, ttl: TTL,
    data: { mname: `ns.${DOMAIN}.`, rname: `hostmaster.${DOMAIN}.`, serial: Math.floor(Date.now() / 1000), refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
  };
}

function dedupe(records: Answer[]): Answer[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.type} ${r.name} ${JSON.stringify('data' in r ? r.data : '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
