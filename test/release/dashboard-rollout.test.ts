// The dashboard shows a canary in progress with its numbers and the moves its state allows;
// its promote button promotes it (Chromium through playwright-core).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { waitFor } from '../observe/support.js';
import { RELEASE_FILES, releaseConfig } from './support.js';

const ROLLOUT = `    rollout:
      strategy: canary
      steps: [30%, 100%]
      interval: 60s
      analysis: { min_requests: 5, max_p99_ratio: 1000 }
`;

describe('rollouts on the dashboard', { skip: chromiumMissing() }, () => {
  let w: RunningWharf;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    w = await startWharf(releaseConfig(ROLLOUT), RELEASE_FILES);
    await waitFor('ready', () => w.wharf.supervisor.status()[0]!.instances.filter((i) => i.ready).length === 2 || undefined);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    const link = (await (await w.control('/api/login-link', { method: 'POST' })).json()) as { path: string };
    await page.goto(`${w.controlUrl}${link.path}`);
    await page.waitForSelector('#apps');
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
  });

  test('a canary shows its step, share and numbers; promote from the page promotes it', async () => {
    const deploy = await w.control('/api/apps/web/deploy', { method: 'POST', body: JSON.stringify({ env: { GREETING: 'dash' } }) });
    assert.equal(deploy.status, 202);
    await waitFor('progressing', () => w.wharf.releases.find('web', 1).state === 'progressing' || undefined, 20_000);
    for (let i = 0; i < 30; i++) await (await fetch(`${w.baseUrl}/`)).text();
    await page.waitForSelector('tr[data-rollout="web"] button.rollout-promote', { timeout: 15_000 });
    assert.equal(await page.textContent('tr[data-rollout="web"] .r-step'), '1/2');
    assert.equal(await page.textContent('tr[data-rollout="web"] .r-weight'), '30%');
    await waitFor('numbers shown', async () => /req/.test((await page.textContent('tr[data-rollout="web"] .r-new')) ?? '') || undefined, 10_000, 200);
    await page.click('tr[data-rollout="web"] button.rollout-promote', { timeout: 10_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\nrelease: ${JSON.stringify(w.wharf.releases.find('web', 1))}`);
    });
    await waitFor('promoted', () => w.wharf.releases.find('web', 1).state === 'promoted' || undefined, 20_000);
    await w.wharf.releases.settled('web');
    assert.equal(await (await fetch(`${w.baseUrl}/`)).text(), 'release 1 dash');
    await waitFor('state shown', async () => (await page.textContent('tr[data-rollout="web"] .r-state')) === 'promoted' || undefined, 10_000, 200);
    assert.deepEqual(errors, []);
  });
});
