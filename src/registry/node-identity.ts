// The one Consul node wharf stands for: its name (the host name, or the cluster node name),
// a stable UUID derived from that name, the address clients reach it on, and datacenter dc1.
import { createHash } from 'node:crypto';
import type { NodeIdentity } from './consul-views.js';

export function nodeIdentity(name: string, address = '127.0.0.1', datacenter = 'dc1'): NodeIdentity {
  const hex = createHash('sha256').update(`wharf-node:${name}`).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  // A DNS label: SRV targets are NAME.node.DC.consul.
  const label = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'wharf';
  return { id, name: label, address, datacenter };
}
