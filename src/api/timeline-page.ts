import { type Request, type Response, Router } from 'express';

/**
 * GET /bookings/:id/timeline.html: a page that shows GET /bookings/:id/timeline to a person. The page itself holds no
 * data, the same for every booking, so a browser may load it without a token; its script then asks the JSON route
 * with the token, which applies the route's own access rules (the booking's traveler, or an operator).
 *
 * How the token reaches the script: in the address's fragment (`…/timeline.html#token=<jwt>`), which a browser never
 * sends to a server, writes into no access log and puts in no Referer; the script moves it to sessionStorage (this
 * tab, this origin) and takes it out of the address bar at once. Without one it asks for it in a password field.
 * The Content-Security-Policy allows only this origin's script, and the script writes every value as text (never as
 * markup) and links only to http(s) addresses, so nothing in a booking's records can run in the page.
 */
export const timelineScriptPath = '/timeline.js';

const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Booking timeline</title>
  <style>
    body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
    h1 { font-size: 1.4rem; margin-bottom: .2rem; }
    #summary { color: #4a5366; margin-top: 0; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ec; }
    th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #4a5366; }
    td.at { white-space: nowrap; font-variant-numeric: tabular-nums; color: #4a5366; }
    td.source span { display: inline-block; min-width: 5.5rem; border-radius: .7rem; padding: 0 .5rem; font-size: .8rem; text-align: center; }
    tr[data-source="api"] td.source span { background: #e5edff; }
    tr[data-source="temporal"] td.source span { background: #efe5ff; }
    tr[data-source="outbox"] td.source span { background: #e3f6ea; }
    tr[data-source="inbox"] td.source span { background: #fff3d6; }
    tr[data-outcome="failed"] td.what, tr[data-outcome="dead_lettered"] td.what { color: #a3162b; }
    td.details { color: #4a5366; font-size: .9rem; }
    form label { display: block; margin: 1rem 0 .4rem; }
    input[type=password] { width: 28rem; max-width: 100%; }
  </style>
</head>
<body>
  <h1>Booking <code id="booking-id"></code></h1>
  <p id="summary" role="status">Loading…</p>
  <form id="sign-in" hidden>
    <label for="token">Your token (a traveler's own, or an operator's)</label>
    <input id="token" type="password" autocomplete="off" required>
    <button type="submit">Show the timeline</button>
  </form>
  <table id="timeline" hidden>
    <thead><tr><th>When</th><th>Source</th><th>What happened</th><th>Details</th></tr></thead>
    <tbody></tbody>
  </table>
  <noscript>This page shows <a href="timeline">the timeline's JSON</a>; it needs JavaScript.</noscript>
  <script src="${timelineScriptPath}"></script>
</body>
</html>
`;

// Plain browser JavaScript, no build step. textContent only: event data never becomes markup.
const script = `(() => {
  const tokenKey = 'tripsaga.timeline.token';
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) {
    sessionStorage.setItem(tokenKey, fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const segments = location.pathname.split('/');
  const bookingId = decodeURIComponent(segments[segments.length - 2] || '');
  const summary = document.getElementById('summary');
  const table = document.getElementById('timeline');
  const form = document.getElementById('sign-in');
  document.getElementById('booking-id').textContent = bookingId;

  const el = (tag, text, attributes) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  };
  const safeUrl = (value) => {
    try {
      const url = new URL(value, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
    } catch {
      return undefined;
    }
  };
  const link = (href, text) => {
    const url = safeUrl(href);
    if (!url) return document.createTextNode('');
    const a = el('a', text, { href: url, rel: 'noopener noreferrer' });
    return a;
  };
  const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace('Z', ' UTC') : '');

  function details(entry) {
    switch (entry.kind) {
      case 'request':
        return [entry.idempotencyKey ? 'Idempotency-Key ' + entry.idempotencyKey : 'no Idempotency-Key'];
      case 'workflow':
        return [entry.event, link(entry.links.temporalUi, 'in the Temporal UI')];
      case 'step':
        return [
          entry.compensation ? 'compensation' : '',
          entry.outcome + (entry.attempts > 1 ? ' after ' + entry.attempts + ' attempts' : ''),
          entry.endedAt ? 'ended ' + when(entry.endedAt) : '',
          entry.failure ? 'failure: ' + entry.failure : '',
          link(entry.links.temporalUi, 'in the Temporal UI'),
        ];
      case 'event':
        return [
          'sequence ' + entry.sequence,
          entry.publishedAt ? 'published ' + when(entry.publishedAt) : 'not published yet',
          entry.streamSequence === null ? '' : 'stream sequence ' + entry.streamSequence,
        ];
      case 'apply':
        return [entry.outcome, entry.reason ? 'reason: ' + entry.reason : ''];
      default:
        return [];
    }
  }

  function render(timeline) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const entry of timeline.entries) {
      const row = el('tr', undefined, { 'data-kind': entry.kind, 'data-source': entry.source });
      if (entry.outcome) row.setAttribute('data-outcome', entry.outcome);
      if (entry.kind === 'step') row.setAttribute('data-compensation', entry.compensation);
      row.append(el('td', when(entry.at), { class: 'at' }));
      const source = el('td', undefined, { class: 'source' });
      source.append(el('span', entry.source));
      row.append(source, el('td', entry.title, { class: 'what' }));
      const cell = el('td', undefined, { class: 'details' });
      const parts = details(entry).filter((part) => part !== '');
      parts.forEach((part, i) => {
        if (i > 0) cell.append(' · ');
        cell.append(part);
      });
      row.append(cell);
      body.append(row);
    }
    const workflow = timeline.workflow;
    summary.replaceChildren(timeline.status + ', ' + timeline.entries.length + ' entries. ');
    if (workflow.state === 'found') summary.append('Saga ' + workflow.status.toLowerCase() + ': ', link(workflow.url, 'open it in the Temporal UI'), '.');
    else if (workflow.state === 'none') summary.append('No workflow has this id: the entries are those of the database.');
    else summary.append('Temporal did not answer (' + workflow.reason + '): the entries are those of the database.');
    table.hidden = false;
    form.hidden = true;
  }

  function askForToken(message) {
    summary.textContent = message;
    table.hidden = true;
    form.hidden = false;
  }

  async function load() {
    const token = sessionStorage.getItem(tokenKey);
    if (!token) return askForToken('Sign in to see this booking.');
    summary.textContent = 'Loading…';
    const response = await fetch(new URL('timeline', location.href), { headers: { authorization: 'Bearer ' + token, accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => null);
    const reason = (body && body.error && body.error.message) || String(response.status);
    if (response.status === 401) {
      sessionStorage.removeItem(tokenKey);
      return askForToken('The token was not accepted: ' + reason);
    }
    if (!response.ok) return askForToken(reason);
    render(body);
  }

  // A token the browser cannot even send (not header-safe) fails the fetch itself: drop it like a refused one.
  const failed = (error) => {
    sessionStorage.removeItem(tokenKey);
    askForToken('Could not load the timeline: ' + error.message);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(tokenKey, document.getElementById('token').value.trim());
    document.getElementById('token').value = '';
    load().catch(failed);
  });
  load().catch(failed);
})();
`;

/** The page, under the strict policy above (the API's default policy from helmet is replaced for it). */
export function sendTimelinePage(_req: Request, res: Response) {
  res.set('Content-Security-Policy', contentSecurityPolicy).set('Cache-Control', 'no-cache').type('html').send(page);
}

export function timelineScriptRouter(): Router {
  const router = Router();
  router.get(timelineScriptPath, (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(script);
  });
  return router;
}
