import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/api/serve.ts';
import { artifactPath, type Chromium, chromiumMissing, launchChromium } from './support/browser.ts';
import { type Harness, startHarness } from './support/harness.ts';

const missing = chromiumMissing();
if (missing) console.warn(`[docs-page.test] SKIPPED, no browser: ${missing}`);

const onScreen = { timeout: 15_000, interval: 250 };

// The reference page under helmet and its own Content-Security-Policy, in a real browser: it renders, nothing is
// blocked, and Authorize sends the token with "Try it out".
describe.skipIf(missing)('GET /docs in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serve>>;
  let chromium: Chromium;
  let page: Page;
  const refused: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    server = await serve(h.app, 0, '127.0.0.1');
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await h?.stop();
  });

  it('renders with nothing blocked by its CSP, and Try it out works once authorized', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: await artifactPath('docs-page-failure.png'), fullPage: true }).catch(() => {});
    });
    await h.offer('flight', 3, 'TP123 Lisbon-Paris');
    await page.goto(`http://127.0.0.1:${server.port}/docs`);
    const operation = page.locator('#operations-Offers-listOffers');
    await operation.waitFor(onScreen);

    const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
    const tryIt = async () => {
      await operation.locator('.opblock-summary').first().click();
      const tryOut = operation.locator('button.try-out__btn');
      if ((await tryOut.textContent())?.includes('Try it out')) await tryOut.click();
      await operation.locator('button.execute').click();
    };
    await tryIt();
    await expect.poll(async () => (await status.textContent())?.trim(), onScreen).toBe('401');

    await page.locator('button.btn.authorize').first().click();
    await page.locator('.auth-container input').first().fill(await h.tokens.operator());
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('.auth-btn-wrapper button.btn-done').click();
    await operation.locator('.opblock-summary').first().click(); // folds it, so tryIt opens it afresh
    await tryIt();
    await expect.poll(async () => (await status.textContent())?.trim(), onScreen).toBe('200');
    await expect.poll(async () => operation.locator('.live-responses-table').textContent(), onScreen).toContain('TP123 Lisbon-Paris');
    expect(await operation.locator('.curl-command').textContent()).toMatch(/Authorization: Bearer ey/);
    await page.screenshot({ path: await artifactPath('docs-page-authorized.png') });
    expect(refused).toEqual([]);
  });
});
