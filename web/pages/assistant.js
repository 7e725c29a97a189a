/* SPDX-License-Identifier: MIT */
/* Assistant: the manager's agents (GET /agents), each the link between one Vapi assistant and
 * this account. Adding one (POST /agents) shows its webhook secret once, with a copy button;
 * an agent can be switched on or off here and managed on its own page (agent.js). Importing
 * lists the assistants of the manager's Vapi account (GET /vapi/assistants) to add as agents. */
import { api } from '../lib/api.js';
import { h, clear, field, checkbox, busy, busyButton, errorBox, showErrors, clearErrors, notice, modal, copyField, badge } from '../lib/dom.js';
import { when, count } from '../lib/format.js';

/* The dialog that shows a webhook secret (just created or rotated) and the webhook URL. */
export function showSecret(agent) {
  const m = modal('Webhook secret of ' + agent.agent_name, { wide: true });
  const done = h('button', { type: 'button', class: 'btn primary', onclick: () => m.close() }, 'I have saved it');
  m.body.append(h('div', { class: 'stack' },
    h('p', { class: 'alert warn' }, 'This secret is shown only now. Vapi sends it with every request to your webhook, so keep it in your assistant\'s server settings (the "X-Vapi-Secret" header) or let "Sync to Vapi" put it there.'),
    copyField('Webhook secret', agent.webhook_secret),
    agent.webhook_url ? copyField('Webhook URL', agent.webhook_url) : null,
    h('div', { class: 'actions' }, done)));
  m.open();
  m.body.querySelector('button').focus();
}

function activeBadge(a) {
  return badge(a.is_active ? 'Active' : 'Inactive', a.is_active ? 'on' : 'off');
}

/* The Vapi account's assistants, each addable as an agent; onAdded(agent). */
async function openImport(btn, agents, onAdded, out) {
  const done = busyButton(btn, 'Asking Vapi…');
  let list;
  try {
    list = await api.get('/vapi/assistants');
    done();
  } catch (e) {
    done();
    clear(out).append(e.code === 'vapi_key_missing'
      ? h('div', { class: 'alert error', role: 'alert' }, h('strong', {}, 'No Vapi key'), h('p', {}, 'Importing needs your Vapi private key. ', h('a', { href: '#/settings' }, 'Save it in Settings'), ', then try again.'))
      : errorBox(e));
    return;
  }
  const m = modal('Import from Vapi', { wide: true });
  const have = new Set(agents().map((a) => a.vapi_assistant_id).filter(Boolean));
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const items = list.assistants.filter((a) => a && typeof a.id === 'string').map((a) => {
    const name = typeof a.name === 'string' && a.name.trim() ? a.name.trim().slice(0, 200) : 'Vapi assistant ' + a.id.slice(0, 8);
    const add = h('button', { type: 'button', class: 'btn small primary', 'aria-label': 'Import ' + name, disabled: have.has(a.id) }, have.has(a.id) ? 'Added' : 'Import');
    add.addEventListener('click', async () => {
      clear(status);
      const d = busyButton(add, 'Importing…');
      try {
        const ag = await api.post('/agents', { agent_name: name, vapi_assistant_id: a.id });
        d();
        add.textContent = 'Added';
        add.disabled = true;
        m.close();
        onAdded(ag);
      } catch (e) {
        d();
        clear(status).append(errorBox(e));
      }
    });
    return h('li', { class: 'pick' }, h('span', {}, h('strong', {}, name), h('span', { class: 'sub' }, a.id)), add);
  });
  m.body.append(h('div', { class: 'stack' },
    items.length ? h('p', { class: 'muted' }, count(items.length, 'assistant') + ' in your Vapi account.') : h('p', { class: 'empty' }, 'Your Vapi account has no assistants yet. Add an agent here and use "Sync to Vapi" to create one.'),
    items.length ? h('ul', { class: 'picks' }, items) : null, status,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => m.close() }, 'Close'))));
  m.open();
  (m.body.querySelector('.picks button:enabled') || m.body.querySelector('.actions button')).focus();
}

export async function render(section) {
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const importBtn = h('button', { type: 'button', class: 'btn' }, 'Import from Vapi');
  section.append(h('div', { class: 'page-head' }, h('h1', { id: 'page-title', tabindex: '-1' }, 'Assistant'), importBtn),
    h('p', { class: 'muted' }, 'An agent connects one Vapi voice assistant to your listings and calendar: callers hear your rentals and book viewings into your calendar.'), status);

  const addBtn = h('button', { type: 'submit', class: 'btn primary' }, 'Add agent');
  const form = h('form', { class: 'card form-grid', novalidate: true, 'aria-labelledby': 'ag-add' },
    h('h2', { id: 'ag-add', class: 'wide' }, 'Add an agent'),
    field({ name: 'agent_name', label: 'Name', required: true, hint: 'For you, such as "Front desk".', attrs: { autocomplete: 'off' } }),
    field({ name: 'vapi_assistant_id', label: 'Vapi assistant ID', hint: 'Optional: leave empty and "Sync to Vapi" creates the assistant.', attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    checkbox({ name: 'is_active', label: 'Active (answers calls)', checked: true }),
    h('div', { class: 'actions wide' }, addBtn));
  const summary = h('p', { class: 'muted', role: 'status' });
  const tbody = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table agents' },
    h('caption', { class: 'sr-only' }, 'Your agents'),
    h('thead', {}, h('tr', {}, ['Agent', 'Vapi assistant', 'Status', 'Added', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), tbody));
  const list = h('section', { class: 'stack', 'aria-labelledby': 'ag-list' }, h('h2', { id: 'ag-list' }, 'Your agents'), summary, table);
  section.append(list, form);

  let agents = [];
  const draw = () => {
    clear(tbody).append(...agents.map((a) => h('tr', { 'data-id': String(a.agent_id) },
      h('th', { scope: 'row', 'data-label': 'Agent' }, h('a', { href: '#/agent?id=' + a.agent_id }, a.agent_name)),
      h('td', { 'data-label': 'Vapi assistant', class: 'url' }, a.vapi_assistant_id || h('span', { class: 'muted' }, 'Not linked yet')),
      h('td', { 'data-label': 'Status' }, activeBadge(a)),
      h('td', { 'data-label': 'Added' }, when(a.created_at)),
      h('td', { class: 'row-actions', 'data-label': 'Actions' },
        h('a', { class: 'btn small', href: '#/agent?id=' + a.agent_id, 'aria-label': 'Manage ' + a.agent_name }, 'Manage'),
        h('button', { type: 'button', class: 'btn small', 'aria-label': (a.is_active ? 'Deactivate ' : 'Activate ') + a.agent_name, onclick: (ev) => toggle(a, ev.currentTarget) }, a.is_active ? 'Deactivate' : 'Activate')))));
    const on = agents.filter((a) => a.is_active).length;
    summary.textContent = agents.length ? count(agents.length, 'agent') + ': ' + on + ' active, ' + (agents.length - on) + ' inactive.'
      : 'No agents yet. Add one below, or import an assistant from your Vapi account.';
    table.hidden = !agents.length;
  };
  async function toggle(a, btn) {
    const done = busyButton(btn, 'Saving…');
    try {
      const b = await api.patch('/agents/' + a.agent_id, { is_active: !a.is_active });
      agents = agents.map((x) => (x.agent_id === b.agent_id ? b : x));
      draw();
      notice(status, b.agent_name + (b.is_active ? ' is active: it answers calls.' : ' is inactive: it no longer answers calls.'));
      tbody.querySelector('tr[data-id="' + b.agent_id + '"] button')?.focus();
    } catch (e) {
      done();
      clear(status).append(errorBox(e));
    }
  }
  const added = (ag) => {
    const { webhook_secret: _s, ...plain } = ag;
    agents.push(plain);
    draw();
    notice(status, 'Added the agent ' + ag.agent_name + '.');
    showSecret(ag);
  };
  importBtn.addEventListener('click', () => openImport(importBtn, () => agents, added, status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = { agent_name: el.agent_name.value.trim(), is_active: el.is_active.checked };
    if (el.vapi_assistant_id.value.trim()) body.vapi_assistant_id = el.vapi_assistant_id.value.trim();
    const done = busyButton(addBtn, 'Adding…');
    try {
      const ag = await api.post('/agents', body);
      done();
      form.reset();
      added(ag);
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });

  const done = busy(list, 'Loading agents…');
  try {
    agents = await api.get('/agents');
    done();
    draw();
  } catch (e) {
    done();
    list.append(errorBox(e));
  }
}
