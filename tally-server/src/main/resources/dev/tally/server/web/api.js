'use strict';
// The console's small helpers: the API client, the DOM helpers, the API description.
// Plain JS, no build step; every script of the console shares these globals.

const $ = (id) => document.getElementById(id);

function token() { return localStorage.getItem('tally-token') || ''; }

// Writes always declare JSON (the server refuses a write without Content-Type: application/json);
// with a token, every API call carries it.
async function api(method, path, body, headers) {
  const h = Object.assign({ 'Accept': 'application/json' }, headers || {});
  if (method !== 'GET') h['Content-Type'] = 'application/json';
  if (token()) h['Authorization'] = 'Bearer ' + token();
  const payload = method === 'GET' ? undefined : JSON.stringify(body === undefined ? {} : body);
  let r;
  try {
    r = await fetch(path, { method, headers: h, body: payload });
  } catch (e) {
    return { ok: false, status: 0, json: { error: 'unreachable', message: 'the server did not answer' } };
  }
  let json = {};
  try { json = await r.json(); } catch (e) { json = { message: 'HTTP ' + r.status }; }
  if (r.status === 401) $('token-box').classList.remove('hidden');
  return { ok: r.ok, status: r.status, json };
}

const seg = (s) => encodeURIComponent(s);

function el(tag, attributes, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function cell(text, cls) { return el('td', { text: text, class: cls }); }

function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(el('tr', { class: 'empty' }, el('td', { text: text, colSpan: columns })));
}

function show(node, ok, text) {
  node.textContent = text;
  node.className = 'result ' + (ok ? 'ok' : 'error');
}

function short(value, max) {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > (max || 80) ? s.slice(0, (max || 80) - 1) + '…' : s;
}

// --- the API description (GET /api/openapi.json) ----------------------------------------------------

const described = { doc: null, apps: [], stores: {}, sagas: {}, projections: {} };

async function loadDescription() {
  const r = await api('GET', '/api/openapi.json');
  if (!r.ok) return false;
  described.doc = r.json;
  described.apps = (r.json['x-tally'] || {}).apps || [];
  for (const app of described.apps) {
    for (const s of app.stores) described.stores[s.name] = Object.assign({ app: app.name }, s);
    for (const s of app.sagas) described.sagas[s.name] = Object.assign({ app: app.name }, s);
    for (const p of app.projections) described.projections[p.name] = Object.assign({ app: app.name }, p);
  }
  return true;
}

/** A component schema by name, or the target of a {$ref}. */
function schemaNamed(nameOrRef) {
  const name = nameOrRef.startsWith('#/') ? nameOrRef.slice('#/components/schemas/'.length) : nameOrRef;
  return ((described.doc.components || {}).schemas || {})[name] || {};
}

function resolve(schema) {
  let s = schema || {};
  for (let i = 0; i < 10 && s.$ref; i++) s = schemaNamed(s.$ref);
  return s;
}
