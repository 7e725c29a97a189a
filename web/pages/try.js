/* SPDX-License-Identifier: MIT */
/* "Try it": runs one of the assistant's five tools for this account (POST /agents/{id}/try)
 * and shows the exact sentence a caller would hear. Each tool gets a small form from its
 * known parameters; empty fields are left out. set_appointment and cancel_appointment really
 * book and cancel, and say so. */
import { api } from '../lib/api.js';
import { h, clear, field, busyButton, showErrors, clearErrors, nextId } from '../lib/dom.js';

const ADDRESS = { type: 'text', label: 'Property address', list: true };
/* name -> [label, parameters {name: {type, label, hint}}, warning] */
const TOOLS = {
  search_rentals: ['Search rentals', {
    bedrooms: { type: 'int', label: 'Bedrooms', hint: '0 for a studio.' },
    min_price: { type: 'number', label: 'Lowest rent' },
    max_price: { type: 'number', label: 'Highest rent' },
    location: { type: 'text', label: 'Location', hint: 'Street, city or ZIP code.' },
    available_by: { type: 'date', label: 'Move in by' },
    pets: { type: 'bool', label: 'Pets' },
  }],
  get_rental_details: ['Describe a rental', { property_address: ADDRESS }],
  get_availability: ['Offer viewing times', {
    property_address: ADDRESS,
    days_ahead: { type: 'int', label: 'Days ahead', hint: '1 to 30; 7 when empty.' },
    date: { type: 'date', label: 'On this day' },
  }],
  set_appointment: ['Book a viewing', {
    property_address: ADDRESS,
    start_time: { type: 'datetime', label: 'Time', hint: 'In your time zone.' },
    attendee_name: { type: 'text', label: 'Caller\'s name' },
    attendee_email: { type: 'email', label: 'Caller\'s email' },
    attendee_phone: { type: 'tel', label: 'Caller\'s phone' },
  }, 'This really books the viewing in your calendar, as a call would.'],
  cancel_appointment: ['Cancel a viewing', {
    attendee_phone: { type: 'tel', label: 'Phone it was booked with' },
    attendee_email: { type: 'email', label: 'Email it was booked with' },
    start_time: { type: 'datetime', label: 'Time', hint: 'When the caller has several viewings.' },
  }, 'This really cancels the viewing, as a call would.'],
};
const INPUT = { int: 'number', number: 'number', date: 'date', datetime: 'datetime-local', email: 'email', tel: 'tel', text: 'text' };

function paramField(name, p, listId) {
  const fname = 'arguments.' + name;
  if (p.type === 'bool') {
    return field({ name: fname, label: p.label, type: 'select', options: [['', 'Not asked'], ['true', 'Needs a pet-friendly home'], ['false', 'No pets']] });
  }
  const attrs = { autocomplete: 'off' };
  if (p.type === 'int') Object.assign(attrs, { step: '1', min: '0', inputmode: 'numeric' });
  if (p.type === 'number') Object.assign(attrs, { step: 'any', min: '0', inputmode: 'decimal' });
  if (p.list) attrs.list = listId;
  return field({ name: fname, label: p.label, type: INPUT[p.type], hint: p.hint, attrs });
}

/* The arguments object from the form, or {errors}. */
function collect(form, params) {
  const args = {};
  const errors = [];
  for (const [name, p] of Object.entries(params)) {
    const el = form.elements['arguments.' + name];
    const v = el.value.trim();
    if (el.validity && el.validity.badInput) errors.push({ field: 'arguments.' + name, message: 'must be a number' });
    else if (v === '') continue;
    else if (p.type === 'int' || p.type === 'number') args[name] = Number(v);
    else if (p.type === 'bool') args[name] = v === 'true';
    else args[name] = v;
  }
  return errors.length ? { errors } : { args };
}

/* The Try it card for agent id; addresses: the manager's rental addresses, for suggestions. */
export function tryCard(agentId, addresses) {
  const listId = nextId('addr');
  const tool = h('select', { name: 'tool' }, Object.entries(TOOLS).map(([k, t]) => h('option', { value: k }, t[0] + ' (' + k + ')')));
  const params = h('div', { class: 'form-grid wide' });
  const warn = h('p', { class: 'alert warn wide', hidden: true });
  const run = h('button', { type: 'submit', class: 'btn primary' }, 'Run tool');
  const answer = h('div', { class: 'wide', 'aria-live': 'polite' });
  const form = h('form', { class: 'card form-grid', novalidate: true, 'aria-labelledby': 'try-title' },
    h('h2', { id: 'try-title', class: 'wide' }, 'Try it'),
    h('p', { class: 'muted wide' }, 'Run a tool of the assistant with the arguments a caller\'s request would give, and read the exact answer the caller would hear.'),
    field({ name: 'tool', label: 'Tool', control: tool, wide: true }), warn, params,
    h('datalist', { id: listId }, addresses.map((a) => h('option', { value: a }))),
    h('div', { class: 'actions wide' }, run), answer);
  const show = () => {
    const [, p, w] = TOOLS[tool.value];
    clear(params).append(...Object.entries(p).map(([n, q]) => paramField(n, q, listId)));
    warn.textContent = w || '';
    warn.hidden = !w;
    clear(answer);
  };
  tool.addEventListener('change', show);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    clear(answer);
    const c = collect(form, TOOLS[tool.value][1]);
    if (c.errors) return showErrors(form, { status: 422, message: 'Some fields need attention.', errors: c.errors });
    const done = busyButton(run, 'Running…');
    try {
      const r = await api.post('/agents/' + agentId + '/try', { tool: tool.value, arguments: c.args });
      done();
      const failed = typeof r.error === 'string';
      answer.append(h('figure', { class: 'said' + (failed ? ' failed' : '') },
        h('figcaption', {}, failed ? 'The tool could not do it; the caller would hear:' : 'A caller would hear:'),
        h('blockquote', {}, failed ? r.error : r.result)));
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  show();
  return form;
}
