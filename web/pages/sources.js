/* SPDX-License-Identifier: MIT */
/* Sources: the listing pages this manager tracks (GET/POST/DELETE /database/sources), each
 * with its last scrape's time, status and error, and "Scrape now": POST
 * /database/sources/{id}/scrape answers 202 with a job, followed on GET /jobs/{id} until it
 * succeeds (its counts: new, changed, unchanged, gone) or fails (its error). */
import { api, missingEndpoint } from '../lib/api.js';
import { h, clear, field, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice, unavailable } from '../lib/dom.js';
import { when, count } from '../lib/format.js';
import { tabs } from './rentals.js';

function link(url) {
  return /^https?:\/\//i.test(url) ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, url) : url;
}

const RUN = { ok: ['Up to date', 'on'], partial: ['Partly read', 'soon'], error: ['Failed', 'off'] };
const POLL_MS = 1000;
const POLL_MAX = 600;

function lastRun(s) {
  if (!s.last_scraped_at && !s.last_status) return h('span', { class: 'muted' }, 'Not scraped yet');
  const [label, kind] = RUN[s.last_status] || [s.last_status || 'unknown', s.last_error ? 'off' : 'on'];
  return [h('span', { class: 'badge ' + kind }, label),
    ' ', h('span', { class: 'sub' }, when(s.last_scraped_at)),
    s.last_error ? h('span', { class: 'sub error-text' }, s.last_error) : null];
}

/* What a scrape job's state means to the person waiting for it. */
function jobText(j) {
  if (j.state === 'succeeded') {
    const r = j.result || {};
    const n = (k) => (typeof r[k] === 'number' ? r[k] : 0);
    return ['Done: ' + n('created') + ' new, ' + n('changed') + ' changed, ' + n('unchanged') + ' unchanged, ' + n('vanished') + ' gone from the site (now marked not available).'
      + (r.status === 'partial' ? ' Some pages could not be read' + (r.note ? ': ' + r.note : '') + '.' : ''), 'ok'];
  }
  if (j.state === 'failed') return ['Failed: ' + (j.last_error || 'no reason given') + '.', 'error'];
  if (j.state === 'running') return ['Reading the site…', 'wait'];
  return [j.attempts > 0 && j.last_error ? 'Waiting to retry after: ' + j.last_error : 'Waiting for its turn…', 'wait'];
}

export async function render(section) {
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  section.append(h('div', { class: 'page-head' }, h('h1', { id: 'page-title', tabindex: '-1' }, 'Sources')), tabs('#/sources'), status);

  const addBtn = h('button', { type: 'submit', class: 'btn primary' }, 'Add source');
  const form = h('form', { class: 'card form-grid', novalidate: true, 'aria-labelledby': 'src-add' },
    h('h2', { id: 'src-add', class: 'wide' }, 'Add a listings page'),
    field({ name: 'url', label: 'Page address', type: 'url', required: true, wide: true, attrs: { placeholder: 'https://', inputmode: 'url' }, hint: 'The page on your website that lists your rentals.' }),
    field({ name: 'website', label: 'Website name', hint: 'Optional; taken from the address when empty.' }),
    h('div', { class: 'actions wide' }, addBtn));
  const tbody = h('tbody');
  const summary = h('p', { class: 'muted', role: 'status' });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('caption', { class: 'sr-only' }, 'Your sources'),
    h('thead', {}, h('tr', {}, ['Website', 'Address', 'Rentals', 'Last scrape', 'Actions'].map((c) => h('th', { scope: 'col', class: c === 'Rentals' ? 'num' : null }, c)))),
    tbody));
  const list = h('section', { class: 'stack', 'aria-labelledby': 'src-list' }, h('h2', { id: 'src-list' }, 'Your sources'), summary, table);
  section.append(form, list);

  let sources = [];
  const jobs = new Map(); /* source id -> its job's status line */
  const draw = () => {
    clear(tbody).append(...sources.map((s) => h('tr', { 'data-id': String(s.id) },
      h('th', { scope: 'row', 'data-label': 'Website' }, s.website),
      h('td', { 'data-label': 'Address', class: 'url' }, link(s.url)),
      h('td', { class: 'num', 'data-label': 'Rentals' }, String(s.rental_count ?? 0)),
      h('td', { 'data-label': 'Last scrape' }, lastRun(s), jobs.get(s.id) || null),
      h('td', { class: 'row-actions', 'data-label': 'Actions' },
        h('button', { type: 'button', class: 'btn small', 'aria-label': 'Scrape now ' + s.url, disabled: jobs.has(s.id) && jobs.get(s.id).dataset.state === 'wait', onclick: (ev) => scrape(s, ev.currentTarget) }, 'Scrape now'),
        h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Delete source ' + s.url, onclick: (ev) => remove(s, ev.currentTarget) }, 'Delete')))));
    summary.textContent = sources.length ? 'Tracking ' + count(sources.length, 'listings page') + '.'
      : 'No sources yet. Add the page of your website that lists your rentals.';
    table.hidden = !sources.length;
  };
  async function refresh() {
    try {
      sources = await api.get('/database/sources');
      draw();
    } catch (e) {
      clear(status).append(errorBox(e));
    }
  }
  const showJob = (s, j) => {
    const [text, kind] = jobText(j);
    const line = h('span', { class: 'sub job ' + kind, role: 'status', 'data-state': kind }, text);
    jobs.set(s.id, line);
    const cell = tbody.querySelector('tr[data-id="' + s.id + '"] td[data-label="Last scrape"]');
    const old = cell && cell.querySelector('.job');
    if (old) old.replaceWith(line);
    else if (cell) cell.append(line);
    const btn = tbody.querySelector('tr[data-id="' + s.id + '"] .row-actions button');
    if (btn) btn.disabled = kind === 'wait';
    return kind;
  };
  async function scrape(s, btn) {
    clear(status);
    const done = busyButton(btn, 'Starting…');
    let job;
    try {
      job = (await api.post('/database/sources/' + s.id + '/scrape')).job;
    } catch (e) {
      done();
      clear(status).append(missingEndpoint(e) ? unavailable('Scraping a source on demand') : errorBox(e));
      return;
    }
    done();
    for (let i = 0; showJob(s, job) === 'wait'; i++) {
      if (i >= POLL_MAX || !section.isConnected) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!section.isConnected) return;
      try {
        job = await api.get('/jobs/' + job.id);
      } catch (e) {
        clear(status).append(errorBox(e));
        jobs.delete(s.id);
        draw();
        return;
      }
    }
    await refresh();
  }
  async function remove(s, btn) {
    if (!await confirmDialog('Delete source?', 'Stop tracking ' + s.url + '? Rentals already imported stay until you delete them.', 'Delete source')) return;
    const done = busyButton(btn, 'Deleting…');
    try {
      await api.del('/database/sources/' + s.id);
    } catch (e) {
      done();
      clear(status).append(errorBox(e));
      return;
    }
    sources = sources.filter((x) => x.id !== s.id);
    jobs.delete(s.id);
    draw();
    notice(status, 'Deleted the source ' + s.url + '.');
    form.elements.url.focus();
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { url: form.elements.url.value.trim() };
    if (form.elements.website.value.trim()) body.website = form.elements.website.value.trim();
    const done = busyButton(addBtn, 'Adding…');
    try {
      const s = await api.post('/database/sources', body);
      done();
      sources.push(s);
      draw();
      form.reset();
      notice(status, 'Added ' + s.url + '.');
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });

  const done = busy(list, 'Loading sources…');
  try {
    sources = await api.get('/database/sources');
    done();
    draw();
  } catch (e) {
    done();
    list.append(errorBox(e));
  }
}
