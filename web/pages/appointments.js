/* SPDX-License-Identifier: MIT */
/* The calendar's viewings: the list (GET /appointments, upcoming or past, by status, keyset
 * "load more"), booking a free slot (POST /appointments from a small dialog: one of the
 * manager's rentals or any address, the visitor's name, email and phone), rescheduling to
 * another free slot, cancelling, and marking a past viewing completed or missed (PATCH
 * /appointments/{id}). A refused time (409) is shown in the server's words. */
import { api, query, nowIso } from '../lib/api.js';
import { h, clear, field, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice, modal, badge } from '../lib/dom.js';
import { when, count } from '../lib/format.js';

const PAGE = 50;
const DAY_MS = 86400000;
const STATUS = { confirmed: ['Confirmed', 'on'], cancelled: ['Cancelled', 'off'], completed: ['Completed', 'on'], no_show: ['No-show', 'soon'] };
const SYNC = { none: 'Here only', pending: 'Sending to your calendar', synced: 'In your calendar', failed: 'Not in your calendar (will retry)' };
const SOURCE = { vapi: 'Booked by the assistant', dashboard: 'Booked here', api: 'Booked through the API' };

/* The booking dialog for a slot; onBooked(appointment) after the server agreed,
 * onTaken() when it refused the time (409: the free times have changed). */
export async function openBooking(slot, onBooked, onTaken) {
  const m = modal('Book a viewing', { wide: true });
  const save = h('button', { type: 'submit', class: 'btn primary' }, 'Book viewing');
  const form = h('form', { novalidate: true, class: 'form-grid', 'aria-label': 'Book a viewing' },
    h('p', { class: 'wide' }, 'Time: ', h('strong', {}, slot.formatted_time), ' (' + slot.duration_minutes + ' minutes).'));
  m.body.append(form);
  m.open();
  const loading = busy(form, 'Loading your rentals…');
  let list = [];
  try {
    list = (await api.get('/rentals' + query({ limit: 200 }))).rentals;
  } catch (e) {
    form.append(h('p', { class: 'wide muted' }, 'Your rentals could not be loaded (' + e.message + '); type the address instead.'));
  }
  loading();
  form.append(
    field({ name: 'rental_id', label: 'Rental', type: 'select', wide: true, options: [['', list.length ? 'Choose one of your rentals…' : 'No rentals: type the address below'], ...list.map((r) => [String(r.id), r.property_address + (r.unit ? ' Unit ' + r.unit : '')])] }),
    field({ name: 'property_address', label: 'Or another address', wide: true, hint: 'Used when no rental is chosen.', attrs: { autocomplete: 'off' } }),
    field({ name: 'attendee_name', label: 'Visitor\'s name', required: true, attrs: { autocomplete: 'off' } }),
    field({ name: 'attendee_email', label: 'Email', type: 'email', attrs: { autocomplete: 'off' } }),
    field({ name: 'attendee_phone', label: 'Phone', type: 'tel', attrs: { autocomplete: 'off' } }),
    field({ name: 'notes', label: 'Notes', type: 'textarea', rows: 2, wide: true }),
    h('div', { class: 'actions wide' }, save, h('button', { type: 'button', class: 'btn', onclick: () => m.close() }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = { start_time: slot.start_time, source: 'dashboard', attendee_name: el.attendee_name.value.trim() };
    if (el.rental_id.value) body.rental_id = Number(el.rental_id.value);
    else if (el.property_address.value.trim()) body.property_address = el.property_address.value.trim();
    else return showErrors(form, { status: 422, message: 'Some fields need attention.', errors: [{ field: 'rental_id', message: 'choose a rental, or type an address below' }] });
    for (const k of ['attendee_email', 'attendee_phone', 'notes']) if (el[k].value.trim()) body[k] = el[k].value.trim();
    const done = busyButton(save, 'Booking…');
    try {
      const a = await api.post('/appointments', body);
      done();
      m.close();
      onBooked(a);
    } catch (e) {
      done();
      showErrors(form, e);
      if (e.status === 409 && onTaken) onTaken();
    }
  });
  form.elements.rental_id.focus();
}

/* The reschedule dialog: a new time among the free slots. */
function openReschedule(a, slots, onSaved) {
  const m = modal('Reschedule the viewing');
  const save = h('button', { type: 'submit', class: 'btn primary' }, 'Move viewing');
  const days = new Map();
  for (const s of slots) {
    const [d, t] = s.formatted_time.split(' at ');
    if (!days.has(d)) days.set(d, []);
    days.get(d).push(h('option', { value: s.start_time }, t + ' (' + d + ')'));
  }
  const select = h('select', { name: 'start_time' }, [...days].map(([d, opts]) => h('optgroup', { label: d }, opts)));
  const form = h('form', { novalidate: true, class: 'stack', 'aria-label': 'Reschedule the viewing' },
    h('p', {}, a.property_address + ' with ' + a.attendee_name + ', now ' + when(a.start_time) + '.'),
    slots.length ? field({ name: 'start_time', label: 'New time', control: select, hint: 'Free times of the next 7 days; the viewing keeps its length.' })
      : h('p', { class: 'empty' }, 'There are no free times in the next 7 days.'),
    h('div', { class: 'actions' }, slots.length ? save : null, h('button', { type: 'button', class: 'btn', onclick: () => m.close() }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const done = busyButton(save, 'Moving…');
    try {
      const b = await api.patch('/appointments/' + a.id, { start_time: select.value });
      done();
      m.close();
      onSaved(b);
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  m.body.append(form);
  m.open();
  (slots.length ? select : form.querySelector('button')).focus();
}

function visitor(a) {
  return [h('span', {}, a.attendee_name), a.attendee_email ? h('span', { class: 'sub' }, a.attendee_email) : null,
    a.attendee_phone ? h('span', { class: 'sub' }, a.attendee_phone) : null];
}

/* The section: {el, reload()}. hooks.slots() gives the free slots for rescheduling;
 * hooks.changed() runs after a change that frees or takes a slot. */
export function appointmentsSection(hooks) {
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const filters = h('form', { class: 'filters short', 'aria-label': 'Filter viewings', novalidate: true },
    field({ name: 'period', label: 'When', type: 'select', value: 'upcoming', options: [['upcoming', 'Upcoming'], ['30', 'Past 30 days'], ['90', 'Past 90 days']] }),
    field({ name: 'status', label: 'Status', type: 'select', value: '', options: [['', 'Any status'], ...Object.entries(STATUS).map(([k, v]) => [k, v[0]])] }));
  const summary = h('p', { class: 'muted count', role: 'status' });
  const tbody = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table appts' },
    h('caption', { class: 'sr-only' }, 'Viewings'),
    h('thead', {}, h('tr', {}, ['When', 'Property', 'Visitor', 'Status', 'Calendar sync', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), tbody));
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  const el = h('section', { class: 'stack', 'aria-labelledby': 'appt-title' }, h('h2', { id: 'appt-title' }, 'Viewings'), status, filters, summary, table, h('div', { class: 'actions center' }, more));
  let cursor = null, shown = 0, seq = 0;

  const setStatus = async (a, next, btn, label) => {
    const done = busyButton(btn, 'Saving…');
    try {
      const b = await api.patch('/appointments/' + a.id, { status: next });
      replace(b);
      notice(status, label + ': ' + b.property_address + ', ' + when(b.start_time) + '.');
      hooks.changed();
    } catch (e) {
      done();
      clear(status).append(errorBox(e));
    }
  };
  const actions = (a) => {
    if (a.status !== 'confirmed') return null;
    const what = a.property_address + ' ' + when(a.start_time);
    if (new Date(a.start_time) < Date.now()) {
      return [h('button', { type: 'button', class: 'btn small', 'aria-label': 'Mark completed: ' + what, onclick: (ev) => setStatus(a, 'completed', ev.currentTarget, 'Marked completed') }, 'Completed'),
        h('button', { type: 'button', class: 'btn small', 'aria-label': 'Mark no-show: ' + what, onclick: (ev) => setStatus(a, 'no_show', ev.currentTarget, 'Marked as a no-show') }, 'No-show')];
    }
    return [h('button', { type: 'button', class: 'btn small', 'aria-label': 'Reschedule ' + what, onclick: () => openReschedule(a, hooks.slots(), (b) => {
      replace(b);
      notice(status, 'Moved the viewing of ' + b.property_address + ' to ' + when(b.start_time) + '.');
      hooks.changed();
    }) }, 'Reschedule'),
    h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Cancel ' + what, onclick: async (ev) => {
      const btn = ev.currentTarget;
      if (!await confirmDialog('Cancel the viewing?', 'Cancel the viewing of ' + a.property_address + ' on ' + when(a.start_time) + ' with ' + a.attendee_name + '? The time becomes free again.', 'Cancel viewing', 'Keep it')) return;
      setStatus(a, 'cancelled', btn, 'Cancelled');
    } }, 'Cancel')];
  };
  const row = (a) => {
    const [label, kind] = STATUS[a.status] || [a.status, 'off'];
    return h('tr', { 'data-id': String(a.id) },
      h('th', { scope: 'row', 'data-label': 'When' }, when(a.start_time), h('span', { class: 'sub' }, Math.round((new Date(a.end_time) - new Date(a.start_time)) / 60000) + ' minutes')),
      h('td', { 'data-label': 'Property' }, a.property_address, h('span', { class: 'sub' }, SOURCE[a.source] || a.source)),
      h('td', { 'data-label': 'Visitor' }, visitor(a)),
      h('td', { 'data-label': 'Status' }, badge(label, kind)),
      h('td', { 'data-label': 'Calendar sync' }, SYNC[a.sync_status] || a.sync_status),
      h('td', { class: 'row-actions', 'data-label': 'Actions' }, actions(a)));
  };
  function replace(a) {
    const tr = tbody.querySelector('tr[data-id="' + a.id + '"]');
    if (tr) tr.replaceWith(row(a));
    else {
      tbody.prepend(row(a));
      shown += 1;
      setSummary();
    }
  }
  const setSummary = () => {
    summary.textContent = shown ? 'Showing ' + count(shown, 'viewing') + (cursor ? '; more are available.' : '.') : 'No viewings here yet.';
    table.hidden = !shown;
  };
  const params = () => {
    const p = filters.elements.period.value;
    const q = { status: filters.elements.status.value, limit: PAGE };
    if (p === 'upcoming') q.from = nowIso();
    else Object.assign(q, { from: nowIso(-Number(p) * DAY_MS), to: nowIso() });
    return q;
  };
  let current = {};
  async function load(reset) {
    const mine = ++seq;
    if (reset) current = params();
    const done = busy(el, 'Loading viewings…');
    const bdone = reset ? null : busyButton(more, 'Loading…');
    try {
      const page = await api.get('/appointments' + query({ ...current, cursor: reset ? null : cursor }));
      if (mine !== seq) return;
      if (reset) {
        clear(tbody);
        shown = 0;
      }
      for (const a of page.appointments) {
        if (tbody.querySelector('tr[data-id="' + a.id + '"]')) continue;
        tbody.append(row(a));
        shown += 1;
      }
      cursor = page.next_cursor || null;
    } catch (e) {
      if (mine === seq) clear(status).append(errorBox(e));
    } finally {
      done();
      if (bdone) bdone();
    }
    if (mine !== seq) return;
    more.hidden = !cursor;
    setSummary();
  }
  filters.addEventListener('change', () => load(true));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  return {
    el, reload: () => load(true),
    async booked(a) {
      await load(true);
      notice(status, 'Booked: ' + a.property_address + ', ' + when(a.start_time) + ', for ' + a.attendee_name + '.');
    },
  };
}
