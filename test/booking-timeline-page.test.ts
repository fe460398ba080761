import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, type Chromium, chromiumMissing, launchChromium } from './support/browser.ts';
import { type BookingPipeline, startBookingPipeline } from './support/booking-pipeline.ts';

const missing = chromiumMissing();
if (missing) console.warn(`[booking-timeline-page.test] SKIPPED, no browser: ${missing}`);

const onScreen = { timeout: 15_000, interval: 250 };

/** The page's table as a person reads it: one row per entry, its source, what happened, the details. */
async function readTimeline(page: Page) {
  const rows = page.locator('#timeline tbody tr');
  return Promise.all(
    (await rows.all()).map(async (row) => ({
      kind: await row.getAttribute('data-kind'),
      source: (await row.locator('td.source').innerText()).trim(),
      what: (await row.locator('td.what').innerText()).trim(),
      details: (await row.locator('td.details').innerText()).trim(),
    })),
  );
}

describe.skipIf(missing)("a booking's timeline page in Chromium", () => {
  let p: BookingPipeline;
  let chromium: Chromium;
  let page: Page;
  let bookingId: string;
  let ownerToken: string;
  // An operator may name an offer anything: the page must show it as text, never run it.
  const carName = 'Compact <img src=x onerror="window.__injected=1">';

  beforeAll(async () => {
    p = await startBookingPipeline('timeline_page');
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    const flight = await p.h.offer('flight', 5, 'TP123 Lisbon-Paris');
    const hotel = await p.h.offer('hotel', 5, 'Ritz Paris');
    const car = await p.h.offer('car', 0, carName);
    const trip = p.h.request({ flight: flight.id, hotel: hotel.id, car: car.id });
    ownerToken = await p.h.tokens.traveler(trip.traveler.email);
    bookingId = (await (await p.h.asTraveler(trip.traveler.email)).post('/bookings').set('Idempotency-Key', `page-${Date.now()}`).send(trip).expect(202)).body.bookingId;
    await p.h.waitForStatus(bookingId, 'COMPENSATED');
    await p.settled(bookingId);
  });
  afterAll(async () => {
    await chromium?.close();
    await p?.stop();
  });

  it('shows every entry of a compensated trip, from a token in the fragment that then leaves the address bar', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: await artifactPath('booking-timeline-failure.png'), fullPage: true }).catch(() => {});
    });
    const pageUrl = `${p.apiUrl}/bookings/${bookingId}/timeline.html`;
    await page.goto(`${pageUrl}#token=${ownerToken}`);
    await expect.poll(async () => (await readTimeline(page)).length, onScreen).toBeGreaterThan(0);
    expect(page.url()).toBe(pageUrl);

    const rows = await readTimeline(page);
    expect(rows[0]).toMatchObject({ kind: 'request', source: 'api', what: 'POST /bookings accepted (with an Idempotency-Key)' });
    const events = rows.filter((r) => r.kind === 'event');
    expect(events).toHaveLength(8);
    for (const [i, event] of events.entries()) expect(event.details).toMatch(new RegExp(`^sequence ${i + 1} · published .+ UTC · stream sequence ${i + 1}$`));
    expect(rows.filter((r) => r.kind === 'apply')).toHaveLength(8 * p.consumers.length);
    expect(rows.filter((r) => r.kind === 'step').map((r) => r.what)).toEqual([
      'Reserve flight TP123 Lisbon-Paris ×2',
      'Reserve hotel Ritz Paris ×1',
      `Reserve car ${carName} ×1`,
      `Cancel car ${carName} ×1 (compensation)`,
      'Cancel hotel Ritz Paris ×1 (compensation)',
      'Cancel flight TP123 Lisbon-Paris ×2 (compensation)',
      'Mark the booking COMPENSATED',
    ]);
    const refused = rows.find((r) => r.what === `Reserve car ${carName} ×1`)!;
    expect(refused.details).toContain(`failed · ended`);
    expect(refused.details).toContain(`failure: ${carName} is sold out: 1 wanted, 0 of 0 left`);
    // The markup in the offer's name stayed text.
    expect(await page.locator('#timeline img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.getByRole('status').innerText()).toMatch(/^COMPENSATED, \d+ entries\. Saga completed: open it in the Temporal UI\.$/);

    // For the picture: the refused step and the compensations after it.
    await page.locator('#timeline tbody tr', { hasText: 'Reserve hotel Ritz Paris' }).evaluate((row) => row.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: await artifactPath('booking-timeline.png') });

    // The refused step's link opens that event of the saga in the Temporal Web UI.
    await page.locator('#timeline tbody tr', { hasText: `Reserve car ${carName}` }).getByRole('link', { name: 'in the Temporal UI' }).click();
    await page.waitForURL(new RegExp(`/workflows/${bookingId}/[^/]+/history/events/\\d+$`));
    await page.getByRole('heading', { name: bookingId }).waitFor(onScreen);
  });

  it('asks for the token when none is given, and tells another traveler nothing', async () => {
    const pageUrl = `${p.apiUrl}/bookings/${bookingId}/timeline.html`;
    const fresh = await chromium.context.newPage(); // sessionStorage is per tab: this one holds no token
    try {
      await fresh.goto(pageUrl);
      await expect.poll(() => fresh.getByRole('status').innerText(), onScreen).toBe('Sign in to see this booking.');
      await fresh.getByLabel(/Your token/).fill(await p.h.tokens.traveler('stranger@example.com'));
      await fresh.getByRole('button', { name: 'Show the timeline' }).click();
      await expect.poll(() => fresh.getByRole('status').innerText(), onScreen).toBe('No such booking');
      expect(await fresh.locator('#timeline').isHidden()).toBe(true);

      await fresh.getByLabel(/Your token/).fill(await p.h.tokens.operator());
      await fresh.getByRole('button', { name: 'Show the timeline' }).click();
      await expect.poll(async () => (await readTimeline(fresh)).length, onScreen).toBeGreaterThan(40);
    } finally {
      await fresh.close();
    }
  });
});
