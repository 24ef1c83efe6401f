'use strict';
// A form per command, generated from the command's JSON Schema in the API description. Values are
// sent as typed where they parse (a whole number as a number) and as typed text where they do not,
// so the server's own validation answers, and its message is shown next to the field it names.

/** The inputs of one schema property; `path` is the field's dotted name in the body. */
function fieldInputs(path, schema, required) {
  const s = resolve(schema);
  const label = path.split('.').pop();
  if (s.type === 'object' && s.properties) {
    const box = el('fieldset', { class: 'nested', 'data-path': path, 'data-field': path }, el('legend', { text: label }),
      el('span', { class: 'field-error', role: 'alert' }));
    for (const [name, sub] of Object.entries(s.properties)) {
      box.append(fieldInputs(path + '.' + name, sub, (s.required || []).includes(name)));
    }
    return box;
  }
  let input;
  let hint = s.type || 'JSON';
  if (s.enum) {
    input = el('select', {}, ...s.enum.map((v) => el('option', { value: v, text: v })));
    hint = 'one of ' + s.enum.join(', ');
  } else if (s.type === 'boolean') {
    input = el('input', { type: 'checkbox' });
    hint = 'true or false';
  } else if (s.type === 'integer') {
    input = el('input', { inputMode: 'numeric', placeholder: '0' });
    hint = 'whole number';
  } else if (s.type === 'number') {
    input = el('input', { inputMode: 'decimal', placeholder: '0.0' });
    hint = 'number';
  } else if (s.type === 'string') {
    const examples = { 'date-time': '2027-01-31T12:00:00Z', date: '2027-01-31', uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };
    input = el('input', { placeholder: examples[s.format] || '' });
    hint = s.format ? s.format + (examples[s.format] ? ', e.g. ' + examples[s.format] : '') : 'text';
  } else {
    input = el('textarea', { rows: 2, placeholder: s.type === 'array' ? '[]' : '{}' });
    hint = (s.type === 'array' ? 'a JSON list' : 'JSON') + (s.items ? ' of ' + (resolve(s.items).type || 'objects') : '');
  }
  input.dataset.path = path;
  input.dataset.kind = s.enum ? 'enum' : (s.type || 'json');
  input.name = path;
  return el('label', { class: 'field', 'data-field': path },
    el('span', { text: label + (required ? '' : ' (optional)') }), input,
    el('span', { class: 'hint', text: hint }), el('span', { class: 'field-error', role: 'alert' }));
}

/** The value of one input as the body carries it. */
function inputValue(input) {
  const raw = input.value;
  switch (input.dataset.kind) {
    case 'boolean': return input.checked;
    case 'integer': return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'number': return raw.trim() !== '' && !isNaN(Number(raw)) ? Number(raw) : raw;
    case 'string': case 'enum': return raw;
    default:
      if (raw.trim() === '') return undefined;
      try { return JSON.parse(raw); } catch (e) { return raw; }
  }
}

function bodyOf(form) {
  const body = {};
  for (const input of form.querySelectorAll('[data-path]:not(fieldset)')) {
    const value = inputValue(input);
    if (value === undefined) continue;
    const parts = input.dataset.path.split('.');
    let at = body;
    for (const p of parts.slice(0, -1)) at = at[p] = at[p] || {};
    at[parts[parts.length - 1]] = value;
  }
  return body;
}

/** The field a 400 names: its 'field' property, or "field 'x'" in its message. */
function fieldOf(error) {
  if (error.field) return error.field;
  const m = /field '([^']+)'/.exec(error.message || '');
  return m ? m[1] : null;
}

function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  form.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
}

/** Shows a server's message next to the field it names (or its closest enclosing field). */
function showFieldError(form, field, message) {
  let path = field.replace(/\[\d+\]/g, '').replace(/\//g, '.');
  while (path) {
    const box = form.querySelector('[data-field="' + CSS.escape(path) + '"]');
    if (box) {
      box.classList.add('invalid');
      box.querySelector('.field-error').textContent = message;
      return true;
    }
    path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  }
  return false;
}

function commandForm(store, command) {
  const schema = resolve(schemaNamed(command.schema));
  const form = el('form', { class: 'command', id: 'command-' + command.name, autocomplete: 'off', 'data-command': command.name });
  form.append(el('h4', { text: command.name }));
  const fields = el('div', { class: 'fields' });
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    fields.append(fieldInputs(name, sub, (schema.required || []).includes(name)));
  }
  form.append(fields);
  const result = el('p', { class: 'result', role: 'status', 'aria-live': 'polite' });
  form.append(el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'primary', text: 'Send ' + command.name })), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const id = $('command-id').value.trim();
    if (!id) { show(result, false, 'Name the aggregate id above.'); return; }
    const headers = {};
    const key = $('idempotency-key').value.trim();
    if (key) headers['Idempotency-Key'] = key;
    const r = await api('POST', '/api/stores/' + seg(store.name) + '/' + seg(id) + '/commands/' + seg(command.name),
      bodyOf(form), headers);
    if (r.ok) {
      show(result, true, command.name + ' appended: ' + id + ' is now at version ' + r.json.version);
      openAggregate(store.name, id, r.json.version);
    } else if (r.status === 400 && fieldOf(r.json) && showFieldError(form, fieldOf(r.json), r.json.message)) {
      show(result, false, 'Refused (400 ' + r.json.error + '): see the field.');
    } else {
      result.dataset.code = r.json.error || '';
      show(result, false, (r.status === 422 ? 'Rejected: ' : 'Refused (' + r.status + '): ') + (r.json.error || '')
        + ' — ' + r.json.message);
    }
  });
  return form;
}

function renderCommands(store) {
  const box = $('commands');
  box.replaceChildren();
  const open = store.commands.filter((c) => !c.internal);
  for (const c of open) box.append(commandForm(store, c));
  const internal = store.commands.filter((c) => c.internal).map((c) => c.name);
  if (internal.length) {
    box.append(el('p', { class: 'hint', text: 'Internal (run by sagas and the app, refused over HTTP): ' + internal.join(', ') }));
  }
  if (!open.length) box.append(el('p', { class: 'hint', text: 'No command of this store is open over HTTP.' }));
}
