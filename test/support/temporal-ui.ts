import type { Page } from 'playwright-core';

/**
 * The Temporal Web UI (2.42, served by the pinned CLI) read the way a person reads it: from the text on screen.
 * Where there is no text to go by, the UI's own test ids. Each reader returns what is on screen now; callers poll
 * (`expect.poll`) because the UI renders what it fetches a moment after the page changes.
 */

export function workflowListUrl(uiUrl: string, namespace = 'default') {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
}

/** Types a visibility query into the list's query box ("</>" next to the filters) and runs it. */
export async function searchWorkflows(page: Page, query: string) {
  const box = page.getByPlaceholder('Enter a query');
  if (!(await box.isVisible())) await page.getByTestId('toggle-manual-query').click();
  await box.fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('query') === query);
}

/** The workflow ids the list shows, top to bottom. */
export async function listedWorkflowIds(page: Page, idPattern: RegExp): Promise<string[]> {
  return page.locator('table').getByRole('link', { name: idPattern }).allInnerTexts();
}

export interface HistoryEvent {
  eventId: number;
  type: string;
  /** The details column, label -> value, e.g. { Summary: 'Reserve car Compact ×1' } or { 'Failure Message': '…' }. */
  fields: Record<string, string>;
}

/** The History tab's event table (its "All" view), in event order whatever order the table is sorted in. */
export async function readEventHistory(page: Page): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for (const row of await page.getByTestId('event-summary-row').all()) {
    const cells = (await row.locator('td').allInnerTexts()).map((cell) => cell.trim());
    const [details = '', type = ''] = [cells.at(-1), cells.at(-2)];
    events.push({ eventId: Number(cells[0]), type, fields: labelledValues(details) });
  }
  return events.sort((a, b) => a.eventId - b.eventId);
}

/** "Activity Type\n\nreserveCar\n\nSummary\n\nReserve car …" -> { 'Activity Type': 'reserveCar', Summary: 'Reserve car …' } */
function labelledValues(details: string): Record<string, string> {
  const lines = details.split('\n').map((line) => line.trim()).filter(Boolean);
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) fields[lines[i]!] = lines[i + 1]!;
  return fields;
}

export interface UserMetadata {
  summary: string;
  details: string;
  currentDetails: string;
  /** "Events with Metadata": each activity's summary and how it ended, in history order. */
  events: { summary: string; status: string }[];
}

/** The User Metadata tab: the workflow's summary and details, its current details, and every summarised event. */
export async function readUserMetadata(page: Page): Promise<UserMetadata> {
  // Summary, details and current details are Markdown rendered into iframes, in that order on the page.
  const frameText = async (index: number) =>
    (await page.locator('iframe').nth(index).contentFrame().locator('body').innerText({ timeout: 1_000 }).catch(() => '')).trim();
  const text = await page.locator('main').innerText();
  const start = text.indexOf('Events with Metadata');
  const end = text.indexOf('Current Details');
  const section = start >= 0 && end > start ? text.slice(start + 'Events with Metadata'.length, end) : '';
  const lines = section.split('\n').map((line) => line.trim()).filter(Boolean);
  const events: UserMetadata['events'] = [];
  // Each row reads "<event kind>  <summary>  <status>", e.g. "Activity  Reserve car Compact ×1  Failed".
  for (let i = 0; i + 2 < lines.length; i += 3) events.push({ summary: lines[i + 1]!, status: lines[i + 2]! });
  return { summary: await frameText(0), details: await frameText(1), currentDetails: await frameText(2), events };
}

/** The workflow page's "Input and Results" box, as text. */
export async function workflowInputText(page: Page): Promise<string> {
  return page.getByTestId('input-and-result').innerText({ timeout: 1_000 }).catch(() => '');
}

/**
 * The UI's own "Codec Server" setting for this browser, as its settings dialog stores it: the endpoint, with
 * "Include cross-origin credentials" (the session cookie; the UI sends a bearer token only to an https endpoint) and
 * overriding whatever the UI server configured. Takes effect on the next page load.
 */
export async function useCodecServer(page: Page, uiUrl: string, endpoint: string) {
  await page.goto(workflowListUrl(uiUrl));
  await page.evaluate((url) => {
    localStorage.setItem('endpoint', JSON.stringify(url));
    localStorage.setItem('includeCredentials', 'true');
    localStorage.setItem('passAccessToken', 'false');
    localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
  }, endpoint);
}
