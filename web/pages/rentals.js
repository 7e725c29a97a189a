/* SPDX-License-Identifier: MIT */
/* Rentals: the GET /rentals filters (kept in the address, so a reload or a shared link shows
 * the same list), the table with keyset "load more", and add / edit / delete. */
import { api, query } from '../lib/api.js';
import { h, clear, field, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice } from '../lib/dom.js';
import { price, day, count, today } from '../lib/format.js';
import { openRentalForm } from './rental-form.js';

const PAGE = 50;
const BEDS = [['', 'Any'], ['0', 'Studio'], ['1', '1'], ['2', '2'], ['3', '3'], ['4+', '4 or more']];

export function tabs(current) {
  const tab = (href, label) => h('a', { href, 'aria-current': current === href ? 'page' : null }, label);
  return h('nav', { class: 'tabs', 'aria-label': 'Rentals' }, tab('#/rentals', 'Listings'), tab('#/sources', 'Sources'));
}

/* Filter form values -> GET /rentals parameters. */
function filterParams(form) {
  const el = form.elements;
  const p = { q: el.q.value.trim(), available: el.available.value, min_price: el.min_price.value, max_price: el.max_price.value, website: el.website.value };
  if (el.beds.value === '4+') p.min_bedrooms = '4';
  else p.bedrooms = el.beds.value;
  return p;
}

function filterForm(params, websites) {
  const beds = params.get('min_bedrooms') === '4' ? '4+' : params.get('bedrooms') || '';
  const site = params.get('website') || '';
  const hosts = [...new Set([...websites, ...(site ? [site] : [])])].sort();
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter rentals', novalidate: true },
    field({ name: 'q', label: 'Search', type: 'search', value: params.get('q') || '', hint: 'Address, city or description.' }),
    field({ name: 'available', label: 'Availability', type: 'select', value: params.get('available') || '', options: [['', 'Any'], ['true', 'Available'], ['false', 'Not available']] }),
    field({ name: 'min_price', label: 'Min rent', type: 'number', value: params.get('min_price') || '', attrs: { min: '0', step: 'any', inputmode: 'decimal' } }),
    field({ name: 'max_price', label: 'Max rent', type: 'number', value: params.get('max_price') || '', attrs: { min: '0', step: 'any', inputmode: 'decimal' } }),
    field({ name: 'bedrooms', label: 'Bedrooms', type: 'select', value: beds, options: BEDS, control: h('select', { name: 'beds' }, BEDS.map(([v, t]) => h('option', { value: v, selected: v === beds }, t))) }),
    field({ name: 'website', label: 'Website', type: 'select', value: site, options: [['', 'All websites'], ...hosts.map((w) => [w, w])] }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, 'Apply filters'), h('button', { type: 'button', class: 'btn', 'data-clear': '' }, 'Clear')));
}

function availability(r) {
  if (!r.available) return h('span', { class: 'badge off' }, 'Not available');
  if (r.available_date && r.available_date > today()) return h('span', { class: 'badge soon' }, 'From ' + day(r.available_date));
  return h('span', { class: 'badge on' }, 'Available');
}

function place(r) {
  const line2 = [r.unit ? 'Unit ' + r.unit : '', [r.city, r.state].filter(Boolean).join(', '), r.zip || ''].filter(Boolean).join(' · ');
  return [h('span', { class: 'addr' }, r.property_address), line2 ? h('span', { class: 'sub' }, line2) : null];
}

function row(r, actions) {
  const beds = r.bedrooms == null ? '—' : r.bedrooms === 0 ? 'Studio' : String(r.bedrooms);
  return h('tr', { 'data-id': String(r.id) },
    h('th', { scope: 'row', 'data-label': 'Address' }, place(r)),
    h('td', { class: 'num', 'data-label': 'Rent' }, price(r.price)),
    h('td', { class: 'num', 'data-label': 'Beds' }, beds),
    h('td', { class: 'num', 'data-label': 'Baths' }, r.bathrooms == null ? '—' : String(r.bathrooms)),
    h('td', { 'data-label': 'Status' }, availability(r)),
    h('td', { 'data-label': 'Website' }, r.website || '—'),
    h('td', { class: 'row-actions', 'data-label': 'Actions' },
      h('button', { type: 'button', class: 'btn small', 'aria-label': 'Edit ' + r.property_address, onclick: () => actions.edit(r) }, 'Edit'),
      h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Delete ' + r.property_address, onclick: (ev) => actions.remove(r, ev.currentTarget) }, 'Delete')));
}

export async function render(section, ctx) {
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const add = h('button', { type: 'button', class: 'btn primary' }, 'Add rental');
  section.append(h('div', { class: 'page-head' }, h('h1', { id: 'page-title', tabindex: '-1' }, 'Rentals'), add), tabs('#/rentals'), status);

  let websites = [];
  const waiting = busy(section, 'Loading rentals…');
  try {
    const st = await api.get('/database/status');
    websites = Object.keys(st.database_stats?.websites || {});
  } catch (e) {
    /* the list below still loads (and shows the error if the server is down) */
  }
  waiting();

  const form = filterForm(ctx.params, websites);
  const summary = h('p', { class: 'muted count', role: 'status' });
  const tbody = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table rentals' },
    h('caption', { class: 'sr-only' }, 'Your rentals'),
    h('thead', {}, h('tr', {}, ['Address', 'Rent', 'Beds', 'Baths', 'Status', 'Website', 'Actions'].map((c, i) =>
      h('th', { scope: 'col', class: i > 0 && i < 4 ? 'num' : null }, c)))), tbody));
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  const list = h('div', { class: 'stack' }, summary, table, h('div', { class: 'actions center' }, more));
  section.append(form, list);

  let cursor = null, shown = 0, params = {}, seq = 0;
  const actions = {
    edit: (r) => openRentalForm(r, (saved) => {
      tbody.querySelector('tr[data-id="' + r.id + '"]')?.replaceWith(row(saved, actions));
      notice(status, 'Saved ' + saved.property_address + '.');
    }),
    remove: async (r, btn) => {
      if (!await confirmDialog('Delete rental?', 'Delete ' + r.property_address + '? Callers will no longer hear about it. This cannot be undone.', 'Delete rental')) return;
      const done = busyButton(btn, 'Deleting…');
      try {
        await api.del('/rentals/' + r.id);
      } catch (e) {
        done();
        clear(status).append(errorBox(e));
        return;
      }
      tbody.querySelector('tr[data-id="' + r.id + '"]')?.remove();
      shown -= 1;
      setSummary();
      notice(status, 'Deleted ' + r.property_address + '.');
      add.focus();
    },
  };
  const filtered = () => Object.entries(params).some(([k, v]) => v !== '' && k !== 'limit');
  const setSummary = () => {
    summary.textContent = shown === 0
      ? (filtered() ? 'No rentals match these filters.' : 'No rentals yet. Add one by hand, or add your listings page under Sources.')
      : 'Showing ' + count(shown, 'rental') + (cursor ? '; more are available.' : '.');
    table.hidden = shown === 0;
  };

  /* Only the latest request's answer is shown (filters may change while one is on its way). */
  async function load(reset) {
    const mine = ++seq;
    if (reset) {
      cursor = null;
      params = filterParams(form);
    }
    const done = busy(list, 'Loading rentals…');
    const bdone = reset ? null : busyButton(more, 'Loading…');
    try {
      const page = await api.get('/rentals' + query({ ...params, limit: PAGE, cursor }));
      if (mine !== seq) return;
      if (reset) {
        clear(tbody);
        shown = 0;
      }
      clearErrors(form);
      for (const r of page.rentals) {
        /* one added here since the first page is already on top */
        if (tbody.querySelector('tr[data-id="' + r.id + '"]')) continue;
        tbody.append(row(r, actions));
        shown += 1;
      }
      cursor = page.next_cursor || null;
    } catch (e) {
      if (mine !== seq) return;
      if (e.status === 400) showErrors(form, e);
      else clear(status).append(errorBox(e));
    } finally {
      done();
      if (bdone) bdone();
    }
    if (mine !== seq) return;
    more.hidden = !cursor;
    setSummary();
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = filterParams(form);
    history.replaceState(null, '', '#/rentals' + query(p));
    load(true);
  });
  form.querySelector('[data-clear]').addEventListener('click', () => {
    for (const s of form.querySelectorAll('select')) s.selectedIndex = 0;
    for (const i of form.querySelectorAll('input')) i.value = '';
    history.replaceState(null, '', '#/rentals');
    load(true);
  });
  more.addEventListener('click', () => load(false));
  /* a new rental goes on top, where the person who added it looks for it */
  add.addEventListener('click', () => openRentalForm(null, (saved) => {
    tbody.prepend(row(saved, actions));
    shown += 1;
    setSummary();
    notice(status, 'Added ' + saved.property_address + '.');
  }));
  await load(true);
}
