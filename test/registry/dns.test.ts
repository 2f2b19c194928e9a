// The registry's DNS server, asked by Node's own resolver (c-ares): A and SRV for passing
// instances, tag filters, NXDOMAIN for unknown names, empty NOERROR for other types, and TCP
// when a UDP answer is truncated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import type { CheckDefinition, ServiceDefinition } from '../../src/registry/types.js';

const CONFIG = `${LOOPBACK}registry: { dns: "127.0.0.1:0" }\nroutes: []\n`;

function ttl(id: string, initialStatus: CheckDefinition['initialStatus']): CheckDefinition {
  return { id, name: id, kind: 'ttl', notes: '', intervalMs: 0, timeoutMs: 0, ttlMs: 60_000, successBeforePassing: 0, failuresBeforeCritical: 0, deregisterCriticalAfterMs: 0, initialStatus };
}

function service(id: string, name: string, address: string, port: number, tags: string[], status: CheckDefinition['initialStatus'] = 'passing'): ServiceDefinition {
  return { id, name, address, port, tags, meta: {}, checks: [ttl(`check-${id}`, status)] };
}

async function withDns(run: (resolver: Resolver, running: RunningWharf) => Promise<void>): Promise<void> {
  const running = await startWharf(CONFIG);
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${running.wharf.registry.dnsAddress()!.port}`]);
  try {
    await run(resolver, running);
  } finally {
    resolver.cancel();
    await running.stop();
  }
}

test('A and SRV answers list the passing instances; tags filter; critical ones are left out', async () => {
  await withDns(async (resolver, running) => {
    const registry = running.wharf.registry.registry;
    registry.register(service('web-1', 'web', '10.0.0.1', 8001, ['Go', 'v1']));
    registry.register(service('web-2', 'web', '10.0.0.2', 8002, ['v2']));
    registry.register(service('web-3', 'web', '10.0.0.3', 8003, ['Go'], 'critical'));
    registry.register(service('local', 'local', '', 9000, []));

    assert.deepEqual((await resolver.resolve4('web.service.consul')).sort(), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(await resolver.resolve4('go.web.service.consul'), ['10.0.0.1']);
    assert.deepEqual(await resolver.resolve4('WEB.service.dc1.consul').then((a) => a.sort()), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(await resolver.resolve4('_web._v2.service.consul'), ['10.0.0.2']);

    const srv = (await resolver.resolveSrv('web.service.consul')).sort((a, b) => a.port - b.port);
    assert.deepEqual(srv.map((r) => r.port), [8001, 8002]);
    assert.equal(srv[0]!.name, '0a000001.addr.dc1.consul');
    // The SRV target resolves to the instance's address.
    assert.deepEqual(await resolver.resolve4(srv[0]!.name), ['10.0.0.1']);
    const local = await resolver.resolveSrv('local.service.consul');
    assert.equal(local.length, 1);
    assert.match(local[0]!.name, /\.node\.dc1\.consul$/);
    assert.deepEqual(await resolver.resolve4(local[0]!.name), ['127.0.0.1']);

    // The critical instance turns passing: it is answered from then on.
    registry.updateCheck('check-web-3', 'passing', '');
    assert.deepEqual(await resolver.resolve4('go.web.service.consul').then((a) => a.sort()), ['10.0.0.1', '10.0.0.3']);
  });
});

test('unknown names are NXDOMAIN; a known name asked for another type is an empty answer', async () => {
  await withDns(async (resolver, running) => {
    running.wharf.registry.registry.register(service('web-1', 'web', '10.0.0.1', 8001, ['Go']));
    running.wharf.registry.registry.register(service('down-1', 'down', '10.0.0.9', 1, [], 'critical'));
    await assert.rejects(resolver.resolve4('nope.service.consul'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('rust.web.service.consul'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('down.service.consul'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolveTxt('web.service.consul'), { code: 'ENODATA' });
    await assert.rejects(resolver.resolve6('web.service.consul'), { code: 'ENODATA' });
    await assert.rejects(resolver.resolve4('example.com'), { code: 'EREFUSED' });
  });
});

test('an answer too large for UDP is truncated and fetched over TCP', async () => {
  await withDns(async (resolver, running) => {
    // 300 A records (~4.8 KB) exceed any UDP size a client offers (512, or EDNS0's 1232/4096).
    for (let i = 1; i <= 300; i++) running.wharf.registry.registry.register(service(`big-${i}`, 'big', `10.1.${Math.floor(i / 200)}.${i % 200}`, 7000 + i, []));
    const udpAnswer = dnsPacket.decode(await udpQuery(running.wharf.registry.dnsAddress()!.port, 'big.service.consul'));
    assert.ok(udpAnswer.flag_tc, 'the UDP answer is marked truncated');
    assert.ok((udpAnswer.answers ?? []).length < 300);
    const addresses = await resolver.resolve4('big.service.consul');
    assert.equal(addresses.length, 300);
    assert.equal(new Set(addresses).size, 300);
  });
});

test('TCP carries several length-prefixed queries on one connection', async () => {
  await withDns(async (_resolver, running) => {
    running.wharf.registry.registry.register(service('web-1', 'web', '10.0.0.1', 8001, []));
    const socket = connect(running.wharf.registry.dnsAddress()!.port, '127.0.0.1');
    const replies: dnsPacket.DecodedPacket[] = [];
    let pending = Buffer.alloc(0);
    const done = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (replies.length === 2) resolve();
    }));
    socket.write(Buffer.concat([
      dnsPacket.streamEncode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'web.service.consul' }] }),
      dnsPacket.streamEncode({ type: 'query', id: 2, questions: [{ type: 'A', name: 'nope.service.consul' }] }),
    ]));
    await done;
    socket.destroy();
    assert.deepEqual(replies.map((r) => [r.id, (r as unknown as { rcode: string }).rcode, (r.answers ?? []).map((a) => ('data' in a ? a.data : ''))]), [[1, 'NOERROR', ['10.0.0.1']], [2, 'NXDOMAIN', []]]);
  });
});

function udpQuery(port: number, name: string): Promise<Buffer> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('message', (message) => {
      socket.close();
      resolve(message);
    });
    socket.once('error', reject);
    socket.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}
