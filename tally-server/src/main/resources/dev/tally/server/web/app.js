'use strict';
// The dashboard: plain JS, no build step. Polls the API every second.

const $ = (id) => document.getElementById(id);
let selected = null;

function token() { return localStorage.getItem('tally-token') || ''; }

// Writes always declare JSON (the server refuses a write without Content-Type: application/json,
// which a cross-site page cannot send without a preflight); with a token, every API call carries it.
async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  const payload = method === 'GET' ? undefined : JSON.stringify(body === undefined ? {} : body);
  const r = await fetch(path, { method, headers, body: payload });
  let json = {};
  try { json = await r.json(); } catch (e) { json = { message: 'HTTP ' + r.status }; }
  if (r.status === 401) $('token-box').classList.remove('hidden');
  return { ok: r.ok, status: r.status, json };
}

function money(minor) {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const units = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return sign + units + '.' + cents;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function emptyRow(tbody, columns, text) {
  tbody.replaceChildren();
  const tr = document.createElement('tr');
  tr.className = 'empty';
  const td = cell(text);
  td.colSpan = columns;
  tr.appendChild(td);
  tbody.appendChild(tr);
}

function show(el, ok, text) {
  el.textContent = text;
  el.className = 'result ' + (ok ? 'ok' : 'error');
}

// --- accounts ---------------------------------------------------------------------------------

async function submitMoney(action) {
  const id = $('account').value.trim();
  const raw = $('amount').value.trim();
  const amount = /^-?\d+$/.test(raw) ? Number(raw) : (raw === '' ? null : (isNaN(Number(raw)) ? raw : Number(raw)));
  const r = await api('POST', '/api/accounts/' + encodeURIComponent(id) + '/' + action, { amount });
  if (r.ok) {
    show($('money-result'), true, (action === 'credit' ? 'Credited ' : 'Debited ') + money(amount) + ' — ' + id
      + ' is now at version ' + r.json.version);
    selected = id;
    refresh();
  } else if (r.json.error === 'insufficient_funds') {
    show($('money-result'), false, 'Refused: insufficient funds. ' + r.json.message);
  } else {
    show($('money-result'), false, 'Refused (' + r.status + '): ' + r.json.message);
  }
}

async function refreshAccounts() {
  const r = await api('GET', '/api/accounts');
  if (!r.ok) return;
  const tbody = $('accounts-table').querySelector('tbody');
  const accounts = r.json.accounts;
  if (accounts.length === 0) { emptyRow(tbody, 3, 'No accounts yet: credit one above.'); return; }
  if (!selected) selected = accounts[0].aggregateId;
  tbody.replaceChildren();
  for (const a of accounts) {
    const tr = document.createElement('tr');
    tr.className = 'row' + (a.aggregateId === selected ? ' selected' : '');
    tr.dataset.id = a.aggregateId;
    tr.append(cell(a.aggregateId, 'mono'), cell(money(a.balance), 'num balance'), cell(String(a.version), 'num'));
    tr.addEventListener('click', () => { selected = a.aggregateId; $('account').value = a.aggregateId; refresh(); });
    tbody.appendChild(tr);
  }
}

async function refreshDetail() {
  if (!selected) return;
  $('detail-id').textContent = selected;
  $('replay').disabled = false;
  const [events, model] = await Promise.all([
    api('GET', '/api/accounts/' + encodeURIComponent(selected) + '/events'),
    api('GET', '/api/accounts/' + encodeURIComponent(selected))]);
  const tbody = $('ledger').querySelector('tbody');
  if (events.ok && events.json.events.length > 0) {
    tbody.replaceChildren();
    for (const e of events.json.events.slice().reverse()) {
      const tr = document.createElement('tr');
      const kind = e.type === 'Credited' ? 'event-credit' : e.type === 'Debited' ? 'event-debit' : 'event-replay';
      const amount = e.payload && e.payload.amount !== undefined ? money(e.payload.amount) : '';
      tr.append(cell(String(e.version), 'num'), cell(e.type, kind), cell(amount, 'num'),
        cell(new Date(e.timestamp).toLocaleTimeString()));
      tbody.appendChild(tr);
    }
  } else {
    emptyRow(tbody, 4, 'No events.');
  }
  if (model.ok) {
    const m = model.json;
    $('rm-balance').textContent = money(m.balance);
    $('rm-version').textContent = m.version;
    $('rm-ledger-version').textContent = m.ledgerVersion;
    $('rm-uptodate').textContent = m.upToDate ? 'yes' : 'catching up…';
    $('rm-last').textContent = m.lastTransaction
      ? m.lastTransaction.type + ' of ' + money(m.lastTransaction.amount) + ' (v' + m.lastTransaction.version + ')'
      : '—';
    $('rm-last-month').textContent = money(m.lastMonthBalance);
  }
}

// --- counter ----------------------------------------------------------------------------------

async function increment() {
  const id = $('counter-id').value.trim();
  const r = await api('POST', '/api/counters/' + encodeURIComponent(id) + '/increment');
  if (r.ok) {
    show($('counter-result'), true, 'Incremented ' + id + ' to version ' + r.json.version);
  } else {
    show($('counter-result'), false, 'Refused (' + r.status + '): ' + r.json.message);
  }
  refreshCounter();
}

async function refreshCounter() {
  const id = $('counter-id').value.trim();
  if (!id) return;
  const r = await api('GET', '/api/counters/' + encodeURIComponent(id));
  $('count').textContent = r.ok ? r.json.count : 0;
  $('count-version').textContent = r.ok ? r.json.version : 0;
}

// --- pipeline ---------------------------------------------------------------------------------

async function refreshPipeline() {
  const r = await api('GET', '/api/pipeline');
  const health = $('health');
  if (!r.ok) { health.textContent = 'server unreachable'; health.className = 'pill bad'; return; }
  const p = r.json;
  const dead = Object.values(p.deadLetters).reduce((a, b) => a + b, 0);
  health.textContent = dead > 0 ? dead + ' dead letter(s)' : 'pipeline healthy';
  health.className = 'pill ' + (dead > 0 ? 'bad' : 'ok');
  $('p-lag').textContent = (p.stream.lagMillis || 0) + ' ms';
  $('p-dispatched').textContent = p.eventsDispatched;
  $('p-published').textContent = p.published;
  $('p-dead').textContent = dead;
  $('chaos').checked = p.chaos.on;
  const tbody = $('targets').querySelector('tbody');
  tbody.replaceChildren();
  for (const t of p.targets) {
    const tr = document.createElement('tr');
    tr.append(cell(t.target, 'mono'), cell(String(t.deliveries), 'num'), cell(String(t.retries), 'num'),
      cell(String(t.deadLetters), 'num'));
    tbody.appendChild(tr);
  }
  const letters = await api('GET', '/api/dead-letters');
  const ul = $('dead-letters');
  ul.replaceChildren();
  $('redrive-all').disabled = !letters.ok || letters.json.deadLetters.length === 0;
  if (!letters.ok || letters.json.deadLetters.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'None: every message was delivered.';
    ul.appendChild(li);
    return;
  }
  for (const d of letters.json.deadLetters) {
    const li = document.createElement('li');
    const e = d.ref;
    const text = document.createElement('div');
    const what = document.createElement('div');
    what.textContent = d.target + ' · ' + e.store + '/' + e.aggregateId + '@' + e.version + ' · ' + d.attempts + ' attempt(s)';
    const err = document.createElement('div');
    err.className = 'error-text';
    err.textContent = d.error;
    text.append(what, err);
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Redrive';
    button.addEventListener('click', async () => { await api('POST', '/api/dead-letters/' + d.id + '/redrive'); refresh(); });
    li.append(text, button);
    ul.appendChild(li);
  }
}

// --- event-to-view lag per target (GET /api/lag) ----------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';

function svg(name, attributes) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  return el;
}

function lagLabel(ms) {
  return ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : ms + ' ms';
}

/** One small chart: the largest lag of each slot as a line, the mean as a second, empty slots as gaps. */
function lagChart(projection, points, slotSeconds) {
  const w = 300, h = 56, pad = 2;
  const top = Math.max(1, ...points.map(p => p.maxMillis));
  const x = i => pad + i * (w - 2 * pad) / Math.max(1, points.length - 1);
  const y = ms => h - pad - ms * (h - 2 * pad) / top;
  const line = key => points.map((p, i) => p.count > 0 ? x(i).toFixed(1) + ',' + y(p[key]).toFixed(1) : null)
    .filter(Boolean).join(' ');
  const chart = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', class: 'lag-chart',
    'data-projection': projection, role: 'img' });
  const written = points.filter(p => p.count > 0);
  const last = written.length ? written[written.length - 1] : null;
  const title = svg('title', {});
  title.textContent = projection + ': event-to-view lag over the last ' + (points.length * slotSeconds / 60)
    + ' minutes, largest ' + lagLabel(top);
  chart.appendChild(title);
  chart.appendChild(svg('line', { x1: 0, y1: h - pad, x2: w, y2: h - pad, class: 'axis' }));
  chart.appendChild(svg('polyline', { points: line('maxMillis'), class: 'lag-max', fill: 'none' }));
  chart.appendChild(svg('polyline', { points: line('meanMillis'), class: 'lag-mean', fill: 'none' }));
  for (const [i, p] of points.entries()) {
    if (p.count > 0) chart.appendChild(svg('circle', { cx: x(i), cy: y(p.maxMillis), r: 1.8, class: 'lag-dot' }));
  }
  const figure = document.createElement('figure');
  figure.className = 'lag';
  figure.dataset.projection = projection;
  const caption = document.createElement('figcaption');
  const value = document.createElement('span');
  value.className = 'lag-value';
  value.textContent = last ? 'now ' + lagLabel(last.maxMillis) + ' (peak ' + lagLabel(top) + ')' : 'no writes';
  caption.append(projection, ' ', value);
  figure.append(caption, chart);
  return figure;
}

async function refreshLag() {
  const r = await api('GET', '/api/lag');
  if (!r.ok) return;
  const box = $('lag-charts');
  const entries = Object.entries(r.json.projections);
  if (entries.length === 0) return;
  box.replaceChildren(...entries.map(([name, points]) => lagChart(name, points, r.json.slotSeconds)));
}

async function refresh() {
  try {
    await Promise.all([refreshAccounts(), refreshDetail(), refreshCounter(), refreshPipeline(), refreshLag()]);
  } catch (e) {
    $('health').textContent = 'server unreachable';
    $('health').className = 'pill bad';
  }
}

document.addEventListener('DOMContentLoaded', () => {
  let action = 'credit';
  for (const b of document.querySelectorAll('#money button')) {
    b.addEventListener('click', () => { action = b.dataset.action; });
  }
  $('money').addEventListener('submit', (e) => { e.preventDefault(); submitMoney(action); });
  $('counter-form').addEventListener('submit', (e) => { e.preventDefault(); increment(); });
  $('replay').addEventListener('click', async () => {
    if (!selected) return;
    const r = await api('POST', '/api/replay/bank-account/' + encodeURIComponent(selected));
    show($('money-result'), r.ok, r.ok ? 'Replay requested for ' + selected + ' (version ' + r.json.version + ')'
      : 'Replay refused: ' + r.json.message);
    refresh();
  });
  $('redrive-all').addEventListener('click', async () => { await api('POST', '/api/dead-letters/redrive'); refresh(); });
  $('chaos').addEventListener('change', async (e) => { await api('POST', '/api/chaos', { on: e.target.checked }); refresh(); });
  $('token').value = token();
  $('token').addEventListener('change', (e) => localStorage.setItem('tally-token', e.target.value));
  refresh();
  setInterval(refresh, 1000);
});
