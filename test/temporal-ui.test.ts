import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/api/serve.ts';
import { artifactPath, type Chromium, chromiumMissing, launchChromium } from './support/browser.ts';
import { type Harness, startHarness } from './support/harness.ts';
import {
  type HistoryEvent,
  listedWorkflowIds,
  readEventHistory,
  readUserMetadata,
  searchWorkflows,
  useCodecServer,
  workflowInputText,
} from './support/temporal-ui.ts';

const missing = chromiumMissing();
if (missing) console.warn(`[temporal-ui.test] SKIPPED, no browser: ${missing}`);

/** The UI shows what it fetched a moment after each click. */
const onScreen = { timeout: 15_000, interval: 250 };

describe.skipIf(missing)('the Temporal Web UI in Chromium', () => {
  let h: Harness;
  let chromium: Chromium;
  let page: Page;
  let api: Awaited<ReturnType<typeof serve>>;
  /** The API as the browser reaches it: on `localhost`, like the UI, so the codec session cookie reaches it too. */
  let apiUrl: string;
  beforeAll(async () => {
    h = await startHarness();
    api = await serve(h.app, 0, '127.0.0.1');
    apiUrl = `http://localhost:${api.port}`;
    chromium = await launchChromium();
    page = await chromium.context.newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await api?.close();
    await h?.stop();
  });

  it("shows an operator the decoded input through the codec endpoint, and no one else the traveler's name", async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: await artifactPath('temporal-ui-codec-failure.png') }).catch(() => {});
    });
    const offers = await h.tripOffers();
    const trip = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const id = await h.book(trip);
    await h.waitForStatus(id, 'CONFIRMED');
    const view = await request(h.app).get(`/bookings/${id}`).expect(200);

    // Without a codec the UI has only ciphertext to show.
    await page.goto(view.body.workflow.url);
    await page.getByTestId('input-and-result').waitFor();
    await expect.poll(() => workflowInputText(page), onScreen).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(await page.locator('main').innerText()).not.toContain(trip.traveler.name);

    // The operator starts a session with their token, then points the UI's codec server setting at the API.
    await page.goto(`${apiUrl}/codec/session`);
    await page.getByLabel('Operator token').fill(h.protection.codecOperatorToken!);
    await page.getByRole('button', { name: 'Start session' }).click();
    await expect.poll(() => page.getByRole('status').innerText(), onScreen).toMatch(/^Session started/);
    await useCodecServer(page, h.temporalUiUrl, `${apiUrl}/codec`);

    await page.goto(view.body.workflow.url);
    await expect.poll(() => workflowInputText(page), onScreen).toContain(trip.traveler.name);
    expect(await workflowInputText(page)).toContain(trip.traveler.email);
    await page.screenshot({ path: await artifactPath('temporal-ui-decoded-input.png') });
  });

  it('lists bookings filtered by BookingStatus; a compensated one shows its failed step, then the compensations in reverse order', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: await artifactPath('temporal-ui-failure.png') }).catch(() => {});
    });
    const flight = await h.offer('flight', 5, 'TP123 Lisbon-Paris');
    const hotel = await h.offer('hotel', 5, 'Ritz Paris');
    const soldOutCar = await h.offer('car', 0, 'Compact');
    // Two trips of one traveler, so the filter has something to tell apart: one compensated, one confirmed.
    const compensatedTrip = h.request({ flight: flight.id, hotel: hotel.id, car: soldOutCar.id }, 2, 1);
    const { car: _noCar, ...confirmedTrip } = compensatedTrip;
    const email = compensatedTrip.traveler.email;
    const traveler = h.protection.travelerPseudonym(email);
    const compensated = await h.book(compensatedTrip);
    const confirmed = await h.book(confirmedTrip);
    await h.waitForStatus(compensated, 'COMPENSATED');
    await h.waitForStatus(confirmed, 'CONFIRMED');
    // The list reads the visibility store, which lags the saga a little: wait until it has the final status.
    await untilListed(`BookingStatus = "COMPENSATED" AND TravelerEmail = "${traveler}"`, compensated);
    await untilListed(`BookingStatus = "CONFIRMED" AND TravelerEmail = "${traveler}"`, confirmed);

    // The list: all of the traveler's bookings (the link GET /bookings/:id gives, filtered by the traveler's
    // pseudonym), then only the compensated one.
    const { travelerSagasUrl } = (await request(h.app).get(`/bookings/${compensated}`).expect(200)).body.workflow;
    await page.goto(travelerSagasUrl);
    await expect.poll(async () => (await listedWorkflowIds(page, /^bk_/)).sort(), onScreen).toEqual([compensated, confirmed].sort());
    await searchWorkflows(page, `BookingStatus = "COMPENSATED" AND TravelerEmail = "${traveler}"`);
    await expect.poll(() => listedWorkflowIds(page, /^bk_/), onScreen).toEqual([compensated]);
    await page.screenshot({ path: await artifactPath('temporal-ui-filtered-list.png') });

    // Its history: each step by its summary, the refusal where it happened, the undoing in reverse order.
    await page.getByRole('link', { name: compensated }).click();
    await page.waitForURL(new RegExp(`/workflows/${compensated}/[^/]+/history$`));
    await expect.poll(async () => sagaStory(await readEventHistory(page)), onScreen).toEqual([
      'Reserve flight TP123 Lisbon-Paris ×2',
      'Reserve hotel Ritz Paris ×1',
      'Reserve car Compact ×1',
      'failed: Compact is sold out: 1 wanted, 0 of 0 left',
      'Cancel car Compact ×1 (compensation)',
      'Cancel hotel Ritz Paris ×1 (compensation)',
      'Cancel flight TP123 Lisbon-Paris ×2 (compensation)',
      'Mark the booking COMPENSATED',
    ]);
    // For the picture: the timeline over the Compact table, one row per activity, the refused one in red.
    await page.getByRole('button', { name: 'Compact', exact: true }).click();
    await page.getByRole('heading', { name: 'Event History' }).evaluate((heading) => heading.scrollIntoView());
    await page.screenshot({ path: await artifactPath('temporal-ui-compensated-history.png') });

    // User Metadata: the whole story on one screen, without opening a payload.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await expect.poll(() => readUserMetadata(page), onScreen).toEqual({
      summary: 'Trip: TP123 Lisbon-Paris ×2 → Ritz Paris ×1 → Compact ×1',
      details: ['Flight: TP123 Lisbon-Paris ×2', 'Hotel: Ritz Paris ×1', 'Car: Compact ×1'].join('\n'),
      currentDetails: 'COMPENSATED: car: OfferSoldOut: Compact is sold out: 1 wanted, 0 of 0 left',
      events: [
        { summary: 'Reserve flight TP123 Lisbon-Paris ×2', status: 'Completed' },
        { summary: 'Reserve hotel Ritz Paris ×1', status: 'Completed' },
        { summary: 'Reserve car Compact ×1', status: 'Failed' },
        { summary: 'Cancel car Compact ×1 (compensation)', status: 'Completed' },
        { summary: 'Cancel hotel Ritz Paris ×1 (compensation)', status: 'Completed' },
        { summary: 'Cancel flight TP123 Lisbon-Paris ×2 (compensation)', status: 'Completed' },
        { summary: 'Mark the booking COMPENSATED', status: 'Completed' },
      ],
    });
    await page.screenshot({ path: await artifactPath('temporal-ui-compensated-saga.png') });

    // The other way round: the link GET /bookings/:id returns opens this saga.
    const view = await request(h.app).get(`/bookings/${compensated}`).expect(200);
    await page.goto(view.body.workflow.url);
    await page.waitForURL(new RegExp(`/workflows/${compensated}/[^/]+/history$`));
    await page.getByRole('heading', { name: compensated }).waitFor();
  });

  async function untilListed(query: string, workflowId: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for await (const workflow of h.temporal.workflow.list({ query })) if (workflow.workflowId === workflowId) return;
      await sleep(200);
    }
    throw new Error(`${workflowId} not listed by ${query} within ${timeoutMs} ms`);
  }
});

/** Scheduled activities by their summaries, and each failed attempt by its message, in history order. */
function sagaStory(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    if (event.type === 'Activity Task Scheduled') return [event.fields.Summary ?? `(no summary: ${event.fields['Activity Type']})`];
    if (event.type === 'Activity Task Failed') return [`failed: ${event.fields['Failure Message']}`];
    return [];
  });
}
