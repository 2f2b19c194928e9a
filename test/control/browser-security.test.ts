// An operator logged in to the dashboard opens a hostile page (another origin, 127.0.0.2) in
// the same browser: neither its fetch() nor its form submit can stop an app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';
import { startWharf, LOOPBACK, type RunningWharf } from '../helpers/wharf.js';
import { APP_FILES, supervisedApps, waitFor } from '../observe/support.js';
import type { AuditEvent } from '../../src/observe/events.js';

const missing = chromiumMissing();

function hostilePage(control: string): string {
  return `<!doctype html><html><body>
<form id="forged" method="post" action="${control}/api/apps/web/stop" enctype="text/plain"><input name="a" value="b"></form>
<script>
window.fetchOutcome = fetch('${control}/api/apps/web/stop', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' }, credentials: 'include', mode: 'no-cors' })
  .then(() => 'sent', (e) => 'error ' + e.message);
</script></body></html>`;
}

describe('cross-site requests from a browser', { skip: missing }, () => {
  let w: RunningWharf;
  let hostile: Server;
  let hostileUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  const audit: AuditEvent[] = [];

  before(async () => {
    w = await startWharf(`${LOOPBACK}${supervisedApps({ web: 1 })}`, APP_FILES);
    w.wharf.events.on('audit', (entry) => audit.push(entry));
    await waitFor('web ready', () => w.wharf.supervisor.status()[0]?.instances.some((i) => i.ready) || undefined);
    hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(hostilePage(w.controlUrl)));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.2', resolve));
    hostileUrl = `http://127.0.0.2:${(hostile.address() as { port: number }).port}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext();
  });

  after(async () => {
    await browser?.close();
    hostile?.close();
    await w?.stop();
  });

  test('the operator is logged in, the hostile page fetches and submits a form: both refused, the app keeps running', async () => {
    const link = (await (await w.control('/api/login-link', { method: 'POST' })).json()) as { path: string };
    const dashboard = await context.newPage();
    await dashboard.goto(`${w.controlUrl}${link.path}`);
    await dashboard.waitForSelector('#apps');
    const pid = w.wharf.supervisor.status()[0]!.instances[0]!.pid;

    audit.length = 0;
    const page = await context.newPage();
    await page.goto(hostileUrl);
    assert.equal(await page.evaluate('window.fetchOutcome'), 'sent', 'the browser did send the request');
    await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.getElementById('forged') as HTMLFormElement).submit())]);

    await waitFor('both requests audited', () => audit.filter((a) => a.path === '/api/apps/web/stop').length >= 2 || undefined);
    const stops = audit.filter((a) => a.path === '/api/apps/web/stop');
    assert.ok(stops.every((a) => a.outcome === 'refused'), JSON.stringify(stops));
    const instance = w.wharf.supervisor.status()[0]!.instances[0]!;
    assert.equal(instance.pid, pid);
    assert.equal(instance.ready, true);
  });
});
