// Dashboard in headless Chromium: the page loads only from the server, asks for the API key and
// hides the form once connected, never puts the key in a URL (HTTP or WebSocket), shows the live
// viewer count after joins with per-stage capacity and fill, follows viewers leaving, and after
// a reload draws the viewers chart from the stored history (/api/stats/timeseries).
// The server takes a snapshot every second here (SNAPSHOT_INTERVAL_SECONDS=1).
// Env: IVS_BROWSER_BASE_URL (http://127.0.0.1:PORT), IVS_BROWSER_API_KEY.
import { chromium } from 'playwright-core';

const base = process.env.IVS_BROWSER_BASE_URL;
const key = process.env.IVS_BROWSER_API_KEY;
const joins = Number(process.env.IVS_BROWSER_JOINS || 5);
if (!base || !key) {
  console.error('IVS_BROWSER_BASE_URL and IVS_BROWSER_API_KEY are required');
  process.exit(2);
}

async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

async function waitForText(page, selector, expected, timeoutMs = 15000) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
    [selector, String(expected)],
    { timeout: timeoutMs },
  );
}

const browser = await chromium.launch({
  executablePath: process.env.IVS_BROWSER_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage();
  const outside = [];
  const errors = [];
  const urls = [];
  page.on('websocket', (ws) => urls.push(ws.url()));
  page.on('request', (r) => {
    const url = r.url();
    urls.push(url);
    if (!url.startsWith(base) && !url.startsWith(base.replace('http', 'ws')) &&
        !url.startsWith('data:')) outside.push(url);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(base + '/dashboard');
  // Production mode: the page asks for the key before connecting.
  await page.waitForSelector('#key-form:not([hidden])', { timeout: 10000 });
  await page.fill('#api-key', key);
  await page.click('#key-form button[type=submit]');
  await waitForText(page, '#status', 'live');
  console.log('dashboard connected');
  if (await page.locator('#key-form').isVisible()) throw new Error('the key form is still shown after connecting');

  const viewers = [];
  for (let i = 0; i < joins; i++) {
    const d = await api('POST', '/api/token/viewer', { userId: `browser-viewer-${i}` });
    viewers.push({ userId: `browser-viewer-${i}`, stageArn: d.stageArn });
  }
  await waitForText(page, '#total-viewers', joins);
  console.log(`dashboard shows ${joins} viewers`);
  const rows = await page.locator('#stages tbody tr').count();
  if (rows < 1) throw new Error('no stage rows on the dashboard');
  // Each row shows viewers against the capacity, the fill, the age and the replication state.
  await page.waitForFunction(() => [...document.querySelectorAll('#stages tbody tr')].every((tr) =>
    / \/ \d+$/.test(tr.querySelector('.viewer-count').textContent) &&
    /%$/.test(tr.querySelector('.fill').textContent) &&
    tr.querySelector('.age').textContent !== '' &&
    ['replicating', 'no'].includes(tr.querySelector('.replication').textContent)), null, { timeout: 15000 });

  for (const v of viewers.slice(0, 2)) await api('POST', '/api/viewer/leave', v);
  await waitForText(page, '#total-viewers', joins - 2);
  console.log(`dashboard shows ${joins - 2} viewers after 2 left`);

  // Snapshots reach the history store (one a second here) before the reload.
  const deadline = Date.now() + 20000;
  for (;;) {
    const from = new Date(Date.now() - 300e3).toISOString();
    const ts = await api('GET', '/api/stats/timeseries?step=1&from=' + encodeURIComponent(from));
    if (ts.points.some((p) => p.maxViewers > 0)) break;
    if (Date.now() > deadline) throw new Error('no viewer snapshot stored');
    await new Promise((r) => setTimeout(r, 250));
  }

  // The key survives a reload within the tab (session storage) and the page reconnects; the
  // chart starts from the stored history, not empty.
  await page.reload();
  await waitForText(page, '#status', 'live');
  await waitForText(page, '#total-viewers', joins - 2);
  await page.waitForFunction(() => Number(document.querySelector('#chart').dataset.historyPoints || 0) > 0,
    null, { timeout: 15000 });
  console.log('chart shows the stored history after a reload');
  if (process.env.IVS_BROWSER_SCREENSHOT) {
    await page.screenshot({ path: process.env.IVS_BROWSER_SCREENSHOT, fullPage: true });
  }

  const leaked = urls.filter((u) => u.includes(key) || u.includes(encodeURIComponent(key)));
  if (leaked.length) throw new Error('the API key appears in URLs: ' + leaked.join(', '));

  if (outside.length) throw new Error('requests outside the server: ' + outside.join(', '));
  if (errors.length) throw new Error('page errors: ' + errors.join(' | '));
  console.log('PASS');
} catch (e) {
  failed = true;
  console.error('FAIL:', e.message || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
