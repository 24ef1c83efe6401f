'use strict';
// The pipeline's health (GET /api/pipeline), dead letters with redrive, the lag chart per target.

async function refreshPipeline() {
  const r = await api('GET', '/api/pipeline');
  const health = $('health');
  if (!r.ok) { health.textContent = 'server unreachable'; health.className = 'pill bad'; return; }
  const p = r.json;
  const dead = Object.values(p.deadLetters || {}).reduce((a, b) => a + b, 0);
  health.textContent = dead > 0 ? dead + ' dead letter(s)' : 'pipeline healthy';
  health.className = 'pill ' + (dead > 0 ? 'bad' : 'ok');
  // the stream, dispatcher and bus of dynamodb-local; postgres has none (its consumers read the ledger)
  $('p-lag').textContent = p.stream ? (p.stream.lagMillis || 0) + ' ms' : '—';
  $('p-dispatched').textContent = p.eventsDispatched ?? '—';
  $('p-published').textContent = p.published ?? '—';
  $('p-dead').textContent = dead;
  if (p.chaos) $('chaos').checked = p.chaos.on;
  const check = p.startupCheck || {};
  $('check').textContent = 'startup check: ' + (check.state || '—')
    + (check.report ? ' (' + check.report.views + ' views, ' + check.report.stale + ' stale)' : '');
  $('targets').querySelector('tbody').replaceChildren(...(p.targets || []).map((t) => el('tr', {},
    cell(t.target, 'mono'), cell(String(t.deliveries), 'num'), cell(String(t.retries), 'num'), cell(String(t.deadLetters), 'num'))));
  await refreshDeadLetters();
}

async function refreshDeadLetters() {
  const letters = await api('GET', '/api/dead-letters');
  const ul = $('dead-letters');
  const list = letters.ok ? letters.json.deadLetters : [];
  $('redrive-all').disabled = list.length === 0;
  if (list.length === 0) { ul.replaceChildren(el('li', { class: 'empty', text: 'None: every message was delivered.' })); return; }
  ul.replaceChildren(...list.map((d) => {
    const e = d.ref;
    const button = el('button', { type: 'button', text: 'Redrive' });
    button.addEventListener('click', async () => { await api('POST', '/api/dead-letters/' + seg(d.id) + '/redrive'); refreshPipeline(); });
    return el('li', { 'data-id': d.id }, el('div', {},
      el('div', { text: d.target + ' · ' + e.store + '/' + e.aggregateId + '@' + e.version + ' · ' + d.attempts + ' attempt(s)' }),
      el('div', { class: 'error-text', text: d.error })), button);
  }));
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(name, attributes) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  return e;
}

function lagLabel(ms) {
  return ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : ms + ' ms';
}

/** One small chart: the largest lag of each slot as a line, the mean as a second, empty slots as gaps. */
function lagChart(target, points, slotSeconds) {
  const w = 300, h = 56, pad = 2;
  const top = Math.max(1, ...points.map((p) => p.maxMillis));
  const x = (i) => pad + i * (w - 2 * pad) / Math.max(1, points.length - 1);
  const y = (ms) => h - pad - ms * (h - 2 * pad) / top;
  const line = (key) => points.map((p, i) => p.count > 0 ? x(i).toFixed(1) + ',' + y(p[key]).toFixed(1) : null)
    .filter(Boolean).join(' ');
  const chart = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', class: 'lag-chart',
    'data-projection': target, role: 'img' });
  const written = points.filter((p) => p.count > 0);
  const last = written.length ? written[written.length - 1] : null;
  const title = svg('title', {});
  title.textContent = target + ': event-to-view lag over the last ' + (points.length * slotSeconds / 60)
    + ' minutes, largest ' + lagLabel(top);
  chart.append(title, svg('line', { x1: 0, y1: h - pad, x2: w, y2: h - pad, class: 'axis' }),
    svg('polyline', { points: line('maxMillis'), class: 'lag-max', fill: 'none' }),
    svg('polyline', { points: line('meanMillis'), class: 'lag-mean', fill: 'none' }));
  for (const [i, p] of points.entries()) {
    if (p.count > 0) chart.append(svg('circle', { cx: x(i), cy: y(p.maxMillis), r: 1.8, class: 'lag-dot' }));
  }
  return el('figure', { class: 'lag', 'data-projection': target },
    el('figcaption', {}, target + ' ', el('span', { class: 'lag-value',
      text: last ? 'now ' + lagLabel(last.maxMillis) + ' (peak ' + lagLabel(top) + ')' : 'no writes' })), chart);
}

async function refreshLag() {
  const r = await api('GET', '/api/lag');
  if (!r.ok) return;
  const entries = Object.entries(r.json.projections || {});
  if (entries.length === 0) return;
  $('lag-charts').replaceChildren(...entries.map(([name, points]) => lagChart(name, points, r.json.slotSeconds)));
}

function wirePipeline() {
  $('chaos').addEventListener('change', async (e) => { await api('POST', '/api/chaos', { on: e.target.checked }); refreshPipeline(); });
  $('redrive-all').addEventListener('click', async () => { await api('POST', '/api/dead-letters/redrive'); refreshPipeline(); });
}
