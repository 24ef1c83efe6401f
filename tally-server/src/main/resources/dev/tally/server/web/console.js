'use strict';
// The console: the apps of the API description, their stores, views and sagas; picking a store
// shows its aggregates and a form per command; polling keeps the inspector and pipeline current.

function renderCatalogue() {
  $('app-names').textContent = described.apps.map((a) => a.name).join(' · ');
  const box = $('apps');
  if (!described.apps.length) { box.replaceChildren(el('p', { class: 'hint', text: 'This server hosts no app.' })); return; }
  box.replaceChildren(...described.apps.map((app) => el('div', { class: 'app', 'data-app': app.name },
    el('h3', { text: app.name }),
    group('Stores', app.stores.map((s) => pick('store', s.name, s.name, () => selectStore(s.name, false)))),
    group('Views', app.projections.map((p) => pick('view', p.name, p.name + ' ← ' + p.store, () => selectView(p.name)))),
    group('Sagas', app.sagas.map((s) => pick('saga', s.name, s.name, () => selectStore(s.name, true)))))));
}

function group(title, items) {
  return items.length ? el('div', { class: 'group' }, el('h4', { text: title }), el('ul', { class: 'picks' }, ...items)) : null;
}

function pick(kind, name, text, onClick) {
  const b = el('button', { type: 'button', class: 'pick', text: text, 'data-kind': kind, 'data-name': name });
  b.addEventListener('click', () => {
    document.querySelectorAll('.pick.selected').forEach((p) => p.classList.remove('selected'));
    b.classList.add('selected');
    onClick();
  });
  return el('li', {}, b);
}

function selectStore(name, saga) {
  inspecting.store = name;
  inspecting.id = null;
  inspecting.events = [];
  inspecting.cursors = [null];
  $('store-panel').classList.remove('hidden');
  $('view-panel').classList.add('hidden');
  $('inspector').classList.add('hidden');
  $('store-name').textContent = name;
  $('store-kind').textContent = saga ? 'saga instances (read only: its inputs come from its runner)'
    : 'views: ' + (described.stores[name].views.join(', ') || 'none');
  $('commands-box').classList.toggle('hidden', saga);
  if (!saga) renderCommands(described.stores[name]);
  loadIds(0);
}

function selectView(name) {
  $('view-panel').classList.remove('hidden');
  $('view-name').textContent = name;
  $('view-body').textContent = '';
}

async function readView() {
  const name = $('view-name').textContent;
  const r = await api('GET', '/api/views/' + seg(name) + '/' + seg($('view-key').value.trim()));
  $('view-body').textContent = r.ok ? 'version ' + r.json.version + '\n' + JSON.stringify(r.json.view, null, 2)
    : r.json.error + ': ' + r.json.message;
}

// --- panels the apps contribute (TallyApp.consolePanels): one of their GET routes, shown as JSON or a table ---

function renderPanels() {
  const panels = described.apps.flatMap((a) => (a.panels || []).map((p) => Object.assign({ app: a.name }, p)));
  $('app-panels').replaceChildren(...panels.map((p) => el('section', { class: 'card app-panel', 'data-path': p.path },
    el('h2', {}, p.title + ' ', el('span', { class: 'hint', text: p.description + ' (app ' + p.app + ', ' + p.path + ')' })),
    el('div', { class: 'panel-body' }))));
}

/** The first list of objects in a JSON answer, or null. */
function rowsOf(json) {
  if (Array.isArray(json)) return json;
  for (const v of Object.values(json || {})) if (Array.isArray(v)) return v;
  return null;
}

async function refreshPanels() {
  for (const section of document.querySelectorAll('.app-panel')) {
    const r = await api('GET', section.dataset.path);
    const body = section.querySelector('.panel-body');
    const rows = r.ok ? rowsOf(r.json) : null;
    if (!r.ok) { body.replaceChildren(el('p', { class: 'result error', text: r.json.message })); continue; }
    if (!rows) { body.replaceChildren(el('pre', { class: 'json', text: JSON.stringify(r.json, null, 2) })); continue; }
    if (!rows.length) { body.replaceChildren(el('p', { class: 'hint', text: 'Nothing yet.' })); continue; }
    const columns = Object.keys(rows[0]);
    body.replaceChildren(el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { text: c })))),
      el('tbody', {}, ...rows.map((row) => el('tr', {}, ...columns.map((c) =>
        cell(typeof row[c] === 'object' && row[c] !== null ? short(row[c], 60) : String(row[c]))))))));
  }
}

async function refresh() {
  try {
    if (!described.doc && await loadDescription()) { renderCatalogue(); renderPanels(); }
    await Promise.all([refreshPipeline(), refreshLag(), refreshAggregate(), refreshPanels()]);
  } catch (e) {
    $('health').textContent = 'server unreachable';
    $('health').className = 'pill bad';
  }
}

document.addEventListener('DOMContentLoaded', () => {
  wireInspector();
  wirePipeline();
  $('view-form').addEventListener('submit', (e) => { e.preventDefault(); readView(); });
  $('token').value = token();
  $('token').addEventListener('change', (e) => { localStorage.setItem('tally-token', e.target.value); refresh(); });
  refresh();
  setInterval(refresh, 1000);
});
