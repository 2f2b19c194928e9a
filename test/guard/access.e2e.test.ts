// access rules and the real client IP, through a running wharf.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RejectEvent } from '../../src/observe/events.js';
import { accessRecords, startStack, type Stack } from './e2e-support.js';

describe('access rules through wharf', () => {
  let direct: Stack;
  let behindProxy: Stack;
  const rejects: RejectEvent[] = [];

  before(async () => {
    const routes = `  - path: /only-loopback
    proxy: backend
    access: [ "allow 127.0.0.1", "deny all" ]
  - path: /no-loopback
    proxy: backend
    access: [ "deny 127.0.0.0/8", "allow all" ]
  - path: /office
    proxy: backend
    access: [ "deny 198.51.100.66", "allow 198.51.100.0/24", "allow 2001:db8::/32", "deny all" ]`;
    direct = await startStack(routes);
    behindProxy = await startStack(routes, { top: 'trusted_proxies: [ 127.0.0.1/32, 10.0.0.0/8 ]\n' });
    direct.wharf.wharf.events.on('reject', (event) => rejects.push(event));
  });
  after(async () => {
    await direct?.close();
    await behindProxy?.close();
  });

  test('a denied client gets 403, the upstream never sees it, and the rejection is reported', async () => {
    const seenBefore = direct.backend.seen.length;
    const reply = await direct.get('/no-loopback/x');
    assert.equal(reply.status, 403);
    assert.equal(direct.backend.seen.length, seenBefore, 'not proxied');
    assert.deepEqual(rejects.at(-1), { route: '/no-loopback', reason: 'access_denied', status: 403 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(accessRecords(direct.wharf).some((r) => r.status === 403 && r.reason === 'access_denied'), 'access log carries the reason');
  });

  test('an allowed client is proxied with its address in X-Real-IP', async () => {
    const reply = await direct.get('/only-loopback/x');
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body) as { headers: Record<string, string> }).headers['x-real-ip'], '127.0.0.1');
  });

  test('X-Forwarded-For from an untrusted peer is ignored (no spoofing past the rules)', async () => {
    assert.equal((await direct.get('/office/x', { 'x-forwarded-for': '198.51.100.7' })).status, 403);
    const reply = await direct.get('/only-loopback/x', { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body) as { headers: Record<string, string> }).headers['x-real-ip'], '127.0.0.1');
  });

  test('behind a trusted proxy the rules see the forwarded client, walking past trusted hops', async () => {
    const statusFor = async (xff: string) => (await behindProxy.get('/office/x', { 'x-forwarded-for': xff })).status;
    assert.equal(await statusFor('198.51.100.7'), 200);
    assert.equal(await statusFor('198.51.100.66'), 403);
    assert.equal(await statusFor('198.51.100.66, 10.1.2.3'), 403, 'trusted hop skipped');
    assert.equal(await statusFor('198.51.100.7, 10.1.2.3, 10.4.5.6'), 200);
    assert.equal(await statusFor('198.51.100.7, 203.0.113.9'), 403, 'the nearest untrusted hop is the client');
    assert.equal(await statusFor('2001:db8::5'), 200);
    assert.equal(await statusFor('[2001:db9::5]:1234'), 403);
    const reply = await behindProxy.get('/office/x', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' });
    assert.equal((JSON.parse(reply.body) as { headers: Record<string, string> }).headers['x-real-ip'], '198.51.100.7');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(accessRecords(behindProxy.wharf).some((r) => r.client === '198.51.100.7'), 'the access log shows the real client');
  });
});
