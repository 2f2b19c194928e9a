// The cluster-mode part of the config schema: the top-level `cluster:` block (this node and
// the etcd it joins) and the keys an app adds to be placed across nodes. On one machine none
// of it is needed, and `replicas` reads as `instances`.
import { Type } from '@sinclair/typebox';
import { Duration, Opt, Strict } from './schema-parts.js';

export const ClusterSchema = Type.Object(
  {
    node: Opt(Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'unique node name; default the hostname' })),
    advertise: Opt(Type.String({ minLength: 1, description: "address other nodes reach this node's instances on" })),
    etcd: Type.Array(Type.String({ pattern: '^https?://' }), { minItems: 1, description: 'etcd endpoints' }),
    etcd_tls: Opt(
      Type.Object(
        {
          ca: Opt(Type.String({ minLength: 1, description: "CA certificate that signed etcd's server certificates; default the system's CAs" })),
          cert: Opt(Type.String({ minLength: 1, description: 'client certificate, for an etcd run with --client-cert-auth' })),
          key: Opt(Type.String({ minLength: 1, description: "the client certificate's key" })),
        },
        { ...Strict, description: 'TLS to etcd: every etcd endpoint is then https://' },
      ),
    ),
    etcd_auth: Opt(
      Type.Object(
        {
          username: Type.String({ minLength: 1, description: 'etcd user (etcdctl user add)' }),
          password_file: Type.String({ minLength: 1, description: "file holding the user's password (trailing newline ignored)" }),
        },
        { ...Strict, description: "etcd's own authentication (etcdctl auth enable)" },
      ),
    ),
    ttl: Opt(Duration),
    labels: Opt(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.String(), { description: 'node labels that placement constraints match (node.labels.KEY)' })),
  },
  Strict,
);

/** An app's keys for cluster mode: how many replicas cluster-wide, and on which nodes. */
export const PlacementKeys = {
  replicas: Opt(Type.Integer({ minimum: 0, description: 'cluster mode: a cluster-wide count; on one machine the same as instances' })),
  placement: Opt(
    Type.Object(
      {
        constraints: Opt(
          Type.Array(Type.String(), {
            description: 'cluster mode: nodes that may run its replicas, as Docker Swarm writes them: node.name == a, node.labels.zone != b',
          }),
        ),
      },
      Strict,
    ),
  ),
};
