'use strict';
// A store's aggregates (paged, searchable by id) and the aggregate inspector: the event timeline
// with its metadata, the state at any version, what changed between two versions, the views of
// the aggregate and, for a saga's instance, what it still has to do.

const inspecting = { store: null, id: null, head: 0, events: [], cursors: [null], page: 0, ids: [] };

async function loadIds(page) {
  const store = inspecting.store;
  const cursor = inspecting.cursors[page];
  const r = await api('GET', '/api/ops/stores/' + seg(store) + '/ids?size=20' + (cursor ? '&cursor=' + seg(cursor) : ''));
  if (!r.ok || store !== inspecting.store) return;
  inspecting.page = page;
  inspecting.ids = r.json.ids;
  inspecting.cursors[page + 1] = r.json.nextCursor;
  $('ids-next').disabled = !r.json.nextCursor;
  $('ids-first').disabled = page === 0;
  renderIds();
}

function renderIds() {
  const tbody = $('aggregates').querySelector('tbody');
  const filter = $('search-id').value.trim();
  const ids = inspecting.ids.filter((id) => id.includes(filter));
  if (!ids.length) { emptyRow(tbody, 1, filter ? 'None on this page matches: press Open.' : 'No aggregates yet.'); return; }
  tbody.replaceChildren(...ids.map((id) => {
    const tr = el('tr', { class: 'row' + (id === inspecting.id ? ' selected' : ''), 'data-id': id }, cell(id, 'mono'));
    tr.addEventListener('click', () => openAggregate(inspecting.store, id));
    return tr;
  }));
}

async function openAggregate(store, id, atLeastVersion) {
  inspecting.store = store;
  inspecting.id = id;
  $('command-id').value = id;
  $('inspector').classList.remove('hidden');
  $('inspect-id').textContent = store + '/' + id;
  await refreshAggregate(atLeastVersion);
  if (!inspecting.ids.includes(id)) loadIds(inspecting.page);
  renderIds();
}

async function refreshAggregate() {
  const { store, id } = inspecting;
  if (!id) return;
  const r = await api('GET', '/api/stores/' + seg(store) + '/' + seg(id) + '/events?limit=1000');
  if (store !== inspecting.store || id !== inspecting.id) return;
  const tbody = $('timeline').querySelector('tbody');
  if (!r.ok) { emptyRow(tbody, 6, r.status === 404 ? 'No events: ' + id + ' does not exist yet.' : r.json.message); return; }
  const grew = r.json.events.length !== inspecting.events.length;
  inspecting.events = r.json.events;
  inspecting.head = r.json.events.length ? r.json.events[r.json.events.length - 1].version : 0;
  if (!r.json.events.length) emptyRow(tbody, 6, 'No events yet.');
  else tbody.replaceChildren(...r.json.events.map(eventRow));
  if (grew) {
    $('at-version').value = inspecting.head;
    $('diff-to').value = inspecting.head;
    $('diff-from').value = Math.max(1, inspecting.head - 1);
    showState(inspecting.head);
    showDiff();
  }
  refreshViews();
  refreshPending();
}

function eventRow(e) {
  const m = e.metadata || {};
  const correlation = m.correlationId
    ? el('a', { href: '/api/trace/' + seg(m.correlationId), text: short(m.correlationId, 18), title: 'trace ' + m.correlationId, class: 'mono' })
    : '—';
  const tr = el('tr', { class: 'row event', 'data-version': e.version, 'data-type': e.type },
    cell(e.version, 'num'), cell(e.type, 'event-type'), cell(short(e.payload, 90), 'mono payload'),
    cell(new Date(e.timestamp).toLocaleString()), el('td', {}, correlation),
    cell(m.causationId ? short(m.causationId, 18) : '—', 'mono'));
  tr.addEventListener('click', () => { $('at-version').value = e.version; showState(e.version); });
  return tr;
}

async function stateAt(version) {
  const r = await api('GET', '/api/stores/' + seg(inspecting.store) + '/' + seg(inspecting.id) + '/aggregate?atVersion=' + version);
  return r.ok ? r.json.state : null;
}

async function showState(version) {
  if (!version) return;
  const state = await stateAt(version);
  $('state').textContent = state === null ? 'no state at version ' + version : JSON.stringify(state, null, 2);
  $('state').dataset.version = version;
}

/** Every leaf of a JSON value by its path ("items.apple", "history[0].name"). */
function leaves(value, path, out) {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => ['[' + i + ']', v]) : Object.entries(value).map(([k, v]) => ['.' + k, v]);
    if (!entries.length) out[path || '(state)'] = JSON.stringify(value);
    for (const [k, v] of entries) leaves(v, path + k, out);
  } else {
    out[path || '(state)'] = JSON.stringify(value);
  }
  return out;
}

async function showDiff() {
  const from = Number($('diff-from').value);
  const to = Number($('diff-to').value);
  const tbody = $('diff').querySelector('tbody');
  if (!from || !to) return;
  const [a, b] = await Promise.all([stateAt(from), stateAt(to)]);
  const before = leaves(a, '', {});
  const after = leaves(b, '', {});
  const rows = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[k] !== after[k]) {
      rows.push(el('tr', { class: 'change' }, cell(k.replace(/^\./, ''), 'mono'), cell(before[k] === undefined ? '—' : before[k], 'mono before'),
        cell(after[k] === undefined ? '—' : after[k], 'mono after')));
    }
  }
  if (rows.length) tbody.replaceChildren(...rows);
  else emptyRow(tbody, 3, 'Nothing changed between v' + from + ' and v' + to + '.');
}

async function refreshViews() {
  const store = described.stores[inspecting.store];
  const box = $('views');
  $('views-box').classList.toggle('hidden', !store || !store.views.length);
  if (!store) return;
  const parts = await Promise.all(store.views.map(async (name) => {
    const r = await api('GET', '/api/views/' + seg(name) + '/' + seg(inspecting.id));
    const current = r.ok && r.json.version >= inspecting.head;
    return el('div', { class: 'view', 'data-view': name, 'data-version': r.ok ? r.json.version : 0 },
      el('h4', {}, name + ' ', el('span', { class: 'hint', text: r.ok ? 'at v' + r.json.version + (current ? ', up to date' : ', catching up')
        : (r.status === 404 ? 'no view (yet)' : r.json.message) })),
      el('pre', { class: 'json', text: r.ok ? JSON.stringify(r.json.view, null, 2) : '' }));
  }));
  box.replaceChildren(...parts);
}

async function refreshPending() {
  const saga = described.sagas[inspecting.store];
  $('pending-box').classList.toggle('hidden', !saga);
  if (!saga) return;
  const r = await api('GET', '/api/sagas/' + seg(saga.name) + '/' + seg(inspecting.id) + '/pending');
  const list = $('pending');
  if (!r.ok) { list.replaceChildren(el('li', { class: 'empty', text: r.json.message })); return; }
  const waiting = (r.json.timers || []).map((t) => Object.assign({ kind: 'timer waiting' }, t));
  const all = r.json.actions.concat(waiting);
  if (!all.length) { list.replaceChildren(el('li', { class: 'empty', text: 'Nothing pending: the instance is at rest.' })); return; }
  list.replaceChildren(...all.map((a) => el('li', { class: 'pending', 'data-kind': a.kind },
    el('span', { class: 'mono', text: a.kind + ' ' + (a.name || a.command || '') }),
    el('span', { class: 'hint', text: a.dueAt ? 'due ' + new Date(a.dueAt).toLocaleString() : (a.store ? 'to ' + a.store + '/' + a.aggregateId : '') }))));
}

function wireInspector() {
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('search-id').value.trim();
    if (id) openAggregate(inspecting.store, id);
  });
  $('search-id').addEventListener('input', renderIds);
  $('ids-next').addEventListener('click', () => loadIds(inspecting.page + 1));
  $('ids-first').addEventListener('click', () => loadIds(0));
  $('at-form').addEventListener('submit', (e) => { e.preventDefault(); showState(Number($('at-version').value)); });
  $('diff-form').addEventListener('submit', (e) => { e.preventDefault(); showDiff(); });
  $('replay').addEventListener('click', async () => {
    await api('POST', '/api/replay/' + seg(inspecting.store) + '/' + seg(inspecting.id), {});
    refreshAggregate();
  });
}
