/* SPDX-License-Identifier: MIT */
/* One agent (#/agent?id=N): its settings (PATCH /agents/{id}: name, Vapi assistant ID,
 * active, config as JSON), "Sync to Vapi" (POST /agents/{id}/sync, Vapi's own errors shown),
 * a new webhook secret (POST /agents/{id}/rotate-secret), deleting it, its variables and
 * functions (GET/POST /agents/{id}/variables and /functions: adding a name that exists
 * replaces it), and Try it (try.js). */
import { api, query } from '../lib/api.js';
import { h, clear, field, checkbox, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice, copyField, badge, card } from '../lib/dom.js';
import { when } from '../lib/format.js';
import { showSecret } from './assistant.js';
import { tryCard } from './try.js';

/* JSON typed into a textarea: {value} or {error}; empty is null. */
function parseJson(text) {
  if (!text.trim()) return { value: null };
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? { value: v } : { error: 'must be a JSON object, like {"key": "value"}' };
  } catch (e) {
    return { error: 'is not valid JSON: ' + e.message };
  }
}

function settingsForm(ag, saved) {
  const save = h('button', { type: 'submit', class: 'btn primary' }, 'Save agent');
  const out = h('div', { class: 'wide status-region', 'aria-live': 'polite' });
  const form = h('form', { class: 'card form-grid', novalidate: true, 'aria-labelledby': 'ag-set' },
    h('h2', { id: 'ag-set', class: 'wide' }, 'Settings'),
    field({ name: 'agent_name', label: 'Name', required: true, value: ag.agent_name, attrs: { autocomplete: 'off' } }),
    field({ name: 'vapi_assistant_id', label: 'Vapi assistant ID', value: ag.vapi_assistant_id || '', hint: 'Empty unlinks the assistant.', attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    checkbox({ name: 'is_active', label: 'Active (answers calls)', checked: ag.is_active }),
    field({ name: 'config', label: 'Advanced configuration (JSON)', type: 'textarea', rows: 4, wide: true, value: Object.keys(ag.config || {}).length ? JSON.stringify(ag.config, null, 2) : '',
      hint: 'Optional keys: assistant (the answer to an assistant request), credential_id, signature_header, timestamp_header.', attrs: { spellcheck: 'false' } }),
    h('div', { class: 'actions wide' }, save), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    clear(out);
    const el = form.elements;
    const cfg = parseJson(el.config.value);
    if (cfg.error) return showErrors(form, { status: 422, message: 'Some fields need attention.', errors: [{ field: 'config', message: cfg.error }] });
    const body = { agent_name: el.agent_name.value.trim(), vapi_assistant_id: el.vapi_assistant_id.value.trim() || null, is_active: el.is_active.checked, config: cfg.value || {} };
    const done = busyButton(save, 'Saving…');
    try {
      const b = await api.patch('/agents/' + ag.agent_id, body);
      done();
      saved(b);
      notice(out, 'Saved.');
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  return form;
}

function vapiCard(get, ctx, changed) {
  const out = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const sync = h('button', { type: 'button', class: 'btn primary' }, 'Sync to Vapi');
  const rotate = h('button', { type: 'button', class: 'btn' }, 'New webhook secret');
  const del = h('button', { type: 'button', class: 'btn danger' }, 'Delete agent');
  sync.addEventListener('click', async () => {
    clear(out);
    const done = busyButton(sync, 'Syncing…');
    try {
      const r = await api.post('/agents/' + get().agent_id + '/sync');
      done();
      changed(r.agent);
      notice(out, (r.created ? 'Created the assistant ' : 'Updated the assistant ') + r.agent.vapi_assistant_id + ' at Vapi: its tools now call this server.');
    } catch (e) {
      done();
      clear(out).append(e.code === 'vapi_key_missing'
        ? h('div', { class: 'alert error', role: 'alert' }, h('strong', {}, 'No Vapi key'), h('p', {}, 'Syncing needs your Vapi private key. ', h('a', { href: '#/settings' }, 'Save it in Settings'), ', then sync again.'))
        : errorBox(e.code === 'vapi_error' ? Object.assign(e, { message: 'Vapi refused: ' + e.message }) : e));
    }
  });
  rotate.addEventListener('click', async () => {
    if (!await confirmDialog('Make a new webhook secret?', 'The current secret stops working at once: calls fail until Vapi has the new one (sync again, or paste it in Vapi).', 'Make new secret')) return;
    const done = busyButton(rotate, 'Making…');
    try {
      const r = await api.post('/agents/' + get().agent_id + '/rotate-secret');
      done();
      showSecret(r);
    } catch (e) {
      done();
      clear(out).append(errorBox(e));
    }
  });
  del.addEventListener('click', async () => {
    if (!await confirmDialog('Delete agent?', 'Delete ' + get().agent_name + ' with its variables and functions? Its assistant stops reaching your listings; its calls stay in the log.', 'Delete agent')) return;
    const done = busyButton(del, 'Deleting…');
    try {
      await api.del('/agents/' + get().agent_id);
      ctx.go('/assistant', { text: 'Deleted the agent ' + get().agent_name + '.' });
    } catch (e) {
      done();
      clear(out).append(errorBox(e));
    }
  });
  return card('ag-vapi', 'Vapi', out,
    h('p', {}, '"Sync to Vapi" gives the assistant the five tools (search, details, free times, booking, cancelling) pointed at this server, creating the assistant when none is linked yet.'),
    get().webhook_url ? copyField('Webhook URL', get().webhook_url) : null,
    h('div', { class: 'actions' }, sync, rotate, del));
}

/* Variables or functions: a table and an add-or-replace form. */
function subCard(ag, kind) {
  const fn = kind === 'functions';
  const path = '/agents/' + ag.agent_id + '/' + kind;
  const out = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty' }, fn ? 'No extra functions.' : 'No variables yet.');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table' }, h('caption', { class: 'sr-only' }, fn ? 'Functions' : 'Variables'),
    h('thead', {}, h('tr', {}, (fn ? ['Name', 'Description', 'Enabled', 'Actions'] : ['Name', 'Value']).map((c) => h('th', { scope: 'col' }, c)))), tbody));
  const save = h('button', { type: 'submit', class: 'btn' }, fn ? 'Save function' : 'Save variable');
  const form = h('form', { class: 'form-grid', novalidate: true, 'aria-label': fn ? 'Add a function' : 'Add a variable' },
    field({ name: 'name', label: 'Name', required: true, hint: 'A letter, then letters, digits or _. An existing name is replaced.', attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    fn ? field({ name: 'description', label: 'Description' }) : field({ name: 'value', label: 'Value', required: true }),
    fn ? field({ name: 'parameters', label: 'Parameters (JSON Schema)', type: 'textarea', rows: 3, wide: true, attrs: { spellcheck: 'false' } }) : null,
    fn ? checkbox({ name: 'is_enabled', label: 'Enabled', checked: true }) : null,
    h('div', { class: 'actions wide' }, save));
  let items = [];
  const put = async (body, btn) => {
    const done = busyButton(btn, 'Saving…');
    try {
      const r = await api.post(path, body);
      done();
      const it = fn ? r.function : r.variable;
      items = [...items.filter((x) => x.name !== it.name), it].sort((a, b) => (a.name < b.name ? -1 : 1));
      draw();
      notice(out, 'Saved ' + it.name + '.');
      return true;
    } catch (e) {
      done();
      showErrors(form, e);
      return false;
    }
  };
  const draw = () => {
    clear(tbody).append(...items.map((x) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Name' }, x.name),
      fn ? [h('td', { 'data-label': 'Description' }, x.description || '—'),
        h('td', { 'data-label': 'Enabled' }, badge(x.is_enabled ? 'Enabled' : 'Disabled', x.is_enabled ? 'on' : 'off')),
        h('td', { class: 'row-actions', 'data-label': 'Actions' }, h('button', { type: 'button', class: 'btn small', 'aria-label': (x.is_enabled ? 'Disable ' : 'Enable ') + x.name,
          onclick: (ev) => put({ name: x.name, description: x.description || '', parameters: x.parameters, is_enabled: !x.is_enabled }, ev.currentTarget) }, x.is_enabled ? 'Disable' : 'Enable'))]
        : h('td', { 'data-label': 'Value', class: 'url' }, x.value))));
    table.hidden = !items.length;
    empty.hidden = !!items.length;
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = { name: el.name.value.trim() };
    if (fn) {
      const p = parseJson(el.parameters.value);
      if (p.error) return showErrors(form, { status: 422, message: 'Some fields need attention.', errors: [{ field: 'parameters', message: p.error }] });
      Object.assign(body, { description: el.description.value.trim(), parameters: p.value, is_enabled: el.is_enabled.checked });
    } else {
      body.value = el.value.value;
    }
    if (await put(body, save)) {
      form.reset();
      el.name.focus();
    }
  });
  const el = card('ag-' + kind, fn ? 'Functions' : 'Variables',
    h('p', { class: 'muted' }, fn ? 'Extra functions kept with the agent for your own integrations; the five built-in tools need none.' : 'Values your assistant\'s prompts can use, such as the office name.'),
    out, empty, table, form);
  (async () => {
    const done = busy(el, 'Loading ' + kind + '…');
    try {
      items = (await api.get(path))[kind];
      done();
      draw();
    } catch (e) {
      done();
      out.append(errorBox(e));
    }
  })();
  return el;
}

export async function render(section, ctx) {
  const id = Number(ctx.params.get('id'));
  const title = h('h1', { id: 'page-title', tabindex: '-1' }, 'Agent');
  section.append(h('p', {}, h('a', { href: '#/assistant' }, '← All agents')), title);
  let ag, rentals = [];
  const done = busy(section, 'Loading the agent…');
  try {
    if (!Number.isInteger(id) || id < 1) throw Object.assign(new Error('There is no agent at this address.'), { status: 404 });
    [ag, rentals] = await Promise.all([api.get('/agents/' + id), api.get('/rentals' + query({ limit: 200 })).then((p) => p.rentals, () => [])]);
  } catch (e) {
    done();
    section.append(errorBox(e));
    return;
  }
  done();
  const head = h('p', { class: 'muted' });
  const changed = (b) => {
    ag = b;
    title.textContent = b.agent_name;
    document.title = b.agent_name + ' · PeteRental';
    clear(head).append(badge(b.is_active ? 'Active' : 'Inactive', b.is_active ? 'on' : 'off'), ' ',
      b.vapi_assistant_id ? 'Vapi assistant ' + b.vapi_assistant_id : 'No Vapi assistant linked yet', ' · added ' + when(b.created_at));
  };
  changed(ag);
  const form = settingsForm(ag, (b) => changed(b));
  section.append(head, form, vapiCard(() => ag, ctx, (b) => {
    changed(b);
    form.elements.vapi_assistant_id.value = b.vapi_assistant_id || '';
  }), tryCard(ag.agent_id, rentals.map((r) => r.property_address)), subCard(ag, 'variables'), subCard(ag, 'functions'));
}
