// A cluster node reaches an etcd that requires TLS with client certificates and its own users
// (etcdctl auth enable), as production etcds are run: with the CA, a client certificate and a
// password file it joins; a wrong password is refused at once with its own code; without a client
// certificate etcd is unreachable. A real etcd and Debian's etcdctl, certificates made by openssl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdBinary, etcdMissing, eventually } from '../helpers/etcd-cluster.js';
import { EtcdMemberProcess, freePorts } from '../helpers/etcd-member.js';
import { startWharf } from '../helpers/wharf.js';
import { opensslAvailable } from '../edge/certs.js';
import { interopRequired } from '../helpers/backends.js';

const PASSWORD = 'correct horse battery staple';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA. */
function makePki(dir: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=wharf-test-etcd-ca');
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=wharf-test-${name}`);
    writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  }
}

const missing = etcdMissing() || (!opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false);

describe('cluster node against an etcd with TLS, client certificates and users', { skip: missing }, () => {
  let dir: string;
  let member: EtcdMemberProcess;
  let endpoint: string;

  const etcdctl = (...args: string[]) =>
    execFileSync('etcdctl', ['--endpoints', endpoint, '--cacert', join(dir, 'ca.crt'), '--cert', join(dir, 'client.crt'), '--key', join(dir, 'client.key'), ...args], {
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCDCTL_'))), ETCDCTL_API: '3' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  /** A node config of its own directory, against the TLS etcd. */
  const nodeConfig = (name: string, tls: string, password: string) => {
    const nodeDir = mkdtempSync(join(dir, `${name}-`));
    writeFileSync(join(nodeDir, 'etcd-password'), `${password}\n`);
    return {
      nodeDir,
      yaml: `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
cluster:
  node: ${name}
  etcd: [${endpoint}]
  etcd_tls: ${tls}
  etcd_auth: { username: root, password_file: etcd-password }
  ttl: 2s
routes:
  - { path: /, static: . }
`,
    };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-etcd-tls-'));
    makePki(dir);
    const [clientPort, peerPort] = await freePorts(2);
    endpoint = `https://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    member = new EtcdMemberProcess('tls0', endpoint, peerUrl, join(dir, 'data'), etcdBinary()!, [
      '--name', 'tls0', '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `tls0=${peerUrl}`,
      '--cert-file', join(dir, 'server.crt'), '--key-file', join(dir, 'server.key'),
      '--client-cert-auth', '--trusted-ca-file', join(dir, 'ca.crt'),
      '--logger', 'zap', '--log-outputs', 'stderr',
    ]);
    member.start();
    await eventually('etcd answers over TLS', async () => etcdctl('endpoint', 'health'), 20_000);
    etcdctl('user', 'add', `root:${PASSWORD}`);
    etcdctl('user', 'grant-role', 'root', 'root');
    etcdctl('auth', 'enable');
  });

  after(async () => {
    await member?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('with the CA, a client certificate and the password, the node joins and registers itself', async () => {
    const { nodeDir, yaml } = nodeConfig('secure-a', `{ ca: ${join(dir, 'ca.crt')}, cert: ${join(dir, 'client.crt')}, key: ${join(dir, 'client.key')} }`, PASSWORD);
    const w = await startWharf(yaml, { dir: nodeDir });
    try {
      const body = (await (await w.control('/api/nodes')).json()) as { nodes: { name: string; state: string }[] };
      assert.deepEqual(body.nodes.map((n) => [n.name, n.state]), [['secure-a', 'alive']]);
      // What the node wrote is in etcd, readable only with the user's password.
      const keys = etcdctl('--user', `root:${PASSWORD}`, 'get', '--prefix', '--keys-only', '');
      assert.match(keys, /secure-a/);
      assert.throws(() => etcdctl('get', '--prefix', '--keys-only', ''), /user name is empty|permission denied|authentication/i);
    } finally {
      await w.stop();
    }
  });

  test('a wrong password is refused at once with WHARF_ETCD_AUTH_FAILED, not taken for an unreachable etcd', async () => {
    const { nodeDir, yaml } = nodeConfig('secure-b', `{ ca: ${join(dir, 'ca.crt')}, cert: ${join(dir, 'client.crt')}, key: ${join(dir, 'client.key')} }`, 'wrong');
    await assert.rejects(startWharf(yaml, { dir: nodeDir }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'WHARF_ETCD_AUTH_FAILED');
      assert.match(error.message, /refused user "root"/);
      return true;
    });
  });

  test('without a client certificate the TLS etcd cannot be reached', async () => {
    const { nodeDir, yaml } = nodeConfig('secure-c', `{ ca: ${join(dir, 'ca.crt')} }`, PASSWORD);
    await assert.rejects(startWharf(yaml, { dir: nodeDir }), (error: Error & { code?: string }) => error.code === 'WHARF_ETCD_UNREACHABLE');
  });
});
