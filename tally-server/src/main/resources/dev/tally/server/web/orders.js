'use strict';
// The orders card: shown when an app serves /api/orders (the orders example). Polls every second,
// beside app.js; uses its helpers (api, cell, emptyRow, money).

async function refreshOrders() {
  const r = await api('GET', '/api/orders?limit=50');
  if (!r.ok) return; // no orders app on this server: the card stays hidden
  $('orders').classList.remove('hidden');
  const tbody = document.querySelector('#order-list tbody');
  const orders = r.json.orders || [];
  if (orders.length === 0) {
    emptyRow(tbody, 5, 'No orders yet: POST /api/orders/{id}');
    return;
  }
  tbody.replaceChildren();
  for (const o of orders) {
    const tr = document.createElement('tr');
    tr.appendChild(cell(o.orderId, 'mono'));
    tr.appendChild(cell(o.status, 'status-' + o.status.toLowerCase()));
    tr.appendChild(cell(o.reason || ''));
    tr.appendChild(cell(money(o.total), 'num'));
    const steps = cell('');
    for (const s of o.steps) {
      const span = document.createElement('span');
      span.className = 'step ' + s.kind + ' ' + s.outcome;
      span.textContent = (s.kind === 'compensation' ? '↩ ' : '') + s.step + (s.outcome === 'refused' ? ' ✗' : ' ✓');
      span.title = s.kind + ': ' + s.outcome + (s.code ? ' (' + s.code + ')' : '');
      steps.appendChild(span);
      steps.appendChild(document.createTextNode(' '));
    }
    tr.appendChild(steps);
    tbody.appendChild(tr);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const tick = () => refreshOrders().catch(() => {});
  tick();
  setInterval(tick, 1000);
});
