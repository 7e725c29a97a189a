/* SPDX-License-Identifier: MIT */
/* Calendar: the external calendar (GET /calendar/auth/status; connect Outlook or Google
 * through the provider's sign-in, or a CalDAV calendar; disconnect), the free slots of the
 * next 7 days (GET /calendar/availability) to book from, the viewings (appointments.js) and
 * the iCalendar feed link (POST/DELETE /calendar/feed-token: the link is shown once, so it
 * can only be replaced or revoked). Features this server lacks say so instead of failing. */
import { api, query, missingEndpoint } from '../lib/api.js';
import { h, clear, field, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice, copyField, unavailable, badge, card } from '../lib/dom.js';
import { when, count, provider } from '../lib/format.js';
import { appointmentsSection, openBooking } from './appointments.js';

/* The provider's consent page, through GET /calendar/auth/start (a 307). The request is made
 * first without following the redirect, so that a refusal is shown here, not as a raw page. */
async function startSignIn(which, btn, out) {
  const base = location.origin + location.pathname.replace(/\/[^/]*$/, '');
  const url = '/calendar/auth/start' + query({ provider: which, redirect_url: base });
  const done = busyButton(btn, 'Opening ' + provider(which) + '…');
  try {
    const res = await api.get(url, { redirect: 'manual' });
    if (res && res.redirected) {
      location.assign(url);
      return;
    }
    done();
  } catch (e) {
    done();
    clear(out).append(missingEndpoint(e) ? unavailable('Connecting ' + provider(which)) : errorBox(e));
  }
}

function caldavForm(out, reload) {
  const save = h('button', { type: 'submit', class: 'btn primary' }, 'Connect CalDAV');
  const form = h('form', { class: 'form-grid', novalidate: true, 'aria-label': 'Connect a CalDAV calendar' },
    field({ name: 'url', label: 'Calendar address', type: 'url', required: true, wide: true, attrs: { inputmode: 'url', placeholder: 'https://' }, hint: 'The CalDAV address of the calendar, from your calendar provider.' }),
    field({ name: 'username', label: 'User name', required: true, attrs: { autocomplete: 'off' } }),
    field({ name: 'password', label: 'Password', type: 'password', required: true, hint: 'An app password where your provider offers one.', attrs: { autocomplete: 'new-password' } }),
    h('div', { class: 'actions wide' }, save));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const done = busyButton(save, 'Connecting…');
    try {
      await api.post('/calendar/caldav/connect', { url: el.url.value.trim(), username: el.username.value.trim(), password: el.password.value });
      done();
      notice(out, 'Your CalDAV calendar is connected.');
      reload();
    } catch (e) {
      done();
      if (missingEndpoint(e)) clear(out).append(unavailable('Connecting a CalDAV calendar'));
      else showErrors(form, e);
    }
  });
  return h('details', { class: 'more' }, h('summary', {}, 'Connect a CalDAV calendar instead'), form);
}

function connected(s, out, reload) {
  const off = h('button', { type: 'button', class: 'btn danger' }, 'Disconnect');
  off.addEventListener('click', async () => {
    if (!await confirmDialog('Disconnect the calendar?', 'New viewings will no longer be added to ' + (s.calendar_email || provider(s.provider)) + '. Viewings already there stay.', 'Disconnect')) return;
    const done = busyButton(off, 'Disconnecting…');
    try {
      const r = await api.del('/calendar/auth/disconnect');
      done();
      notice(out, (r && r.message) || 'The calendar is disconnected.');
      reload();
    } catch (e) {
      done();
      clear(out).append(missingEndpoint(e) ? unavailable('Disconnecting a calendar') : errorBox(e));
    }
  });
  const ok = s.authorized && !s.calendar_error;
  return [h('dl', { class: 'facts' },
    h('dt', {}, 'Provider'), h('dd', {}, provider(s.provider)),
    h('dt', {}, 'Account'), h('dd', {}, s.calendar_email || '—'),
    h('dt', {}, 'Calendar'), h('dd', {}, s.calendar_link && /^https:\/\//i.test(s.calendar_link) ? h('a', { href: s.calendar_link, rel: 'noopener noreferrer', target: '_blank' }, s.calendar_name || s.calendar_link) : s.calendar_name || '—'),
    h('dt', {}, 'Status'), h('dd', {}, badge(ok ? 'Working' : 'Needs attention', ok ? 'on' : 'off'), s.calendar_error ? h('span', { class: 'sub error-text' }, s.calendar_error) : null),
    s.expires_at ? [h('dt', {}, 'Access renews'), h('dd', {}, s.expires_at_formatted || when(s.expires_at))] : null),
  h('div', { class: 'actions' }, off)];
}

function connection() {
  const out = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const body = h('div', { class: 'stack' });
  const el = card('cal-conn', 'Connected calendar', out, body);
  async function load() {
    const done = busy(body, 'Loading the connection…');
    let s;
    try {
      s = await api.get('/calendar/auth/status');
    } catch (e) {
      done();
      clear(body).append(errorBox(e));
      return;
    }
    done();
    clear(body);
    if (s.provider) return body.append(...connected(s, out, load));
    const btn = (p) => {
      const b = h('button', { type: 'button', class: 'btn' }, 'Connect ' + provider(p));
      b.addEventListener('click', () => startSignIn(p, b, out));
      return b;
    };
    body.append(h('p', {}, 'Only the built-in calendar is in use: viewings are kept here and in the feed below. Connect your calendar so viewings appear there and its busy times are not offered to callers.'),
      h('div', { class: 'actions' }, btn('microsoft'), btn('google')), caldavForm(out, load));
  }
  load();
  return el;
}

/* Free slots by day ("Monday, December 07" from formatted_time), each day a disclosure. */
function slotsSection(onBook) {
  const body = h('div', { class: 'stack' });
  const el = card('cal-slots', 'Free times, next 7 days', body);
  let slots = [];
  async function load() {
    const done = busy(body, 'Loading free times…');
    try {
      const a = await api.get('/calendar/availability' + query({ days_ahead: 7 }));
      slots = a.available_slots;
      done();
      draw(a.timezone);
    } catch (e) {
      done();
      clear(body).append(errorBox(e));
    }
  }
  function draw(zone) {
    clear(body);
    if (!slots.length) {
      body.append(h('p', { class: 'empty' }, 'No free times in the next 7 days. ', h('a', { href: '#/settings' }, 'Check your business hours'), '.'));
      return;
    }
    const days = new Map();
    for (const s of slots) {
      const [d, t] = s.formatted_time.split(' at ');
      if (!days.has(d)) days.set(d, []);
      days.get(d).push(h('li', {}, h('button', { type: 'button', class: 'btn small slot', 'aria-label': 'Book ' + s.formatted_time, onclick: () => onBook(s) }, t)));
    }
    body.append(h('p', { class: 'muted' }, count(slots.length, 'free time') + ', in ' + zone + '. Choose one to book a viewing.'),
      ...[...days].map(([d, items], i) => h('details', { class: 'day-slots', open: i === 0 },
        h('summary', {}, d + ' · ' + count(items.length, 'time')), h('ul', { class: 'slots' }, items))));
  }
  load();
  return { el, reload: load, slots: () => slots };
}

function feedSection() {
  const out = h('div', { class: 'stack' });
  const make = h('button', { type: 'button', class: 'btn primary' }, 'Make a feed link');
  const revoke = h('button', { type: 'button', class: 'btn danger' }, 'Revoke link');
  make.addEventListener('click', async () => {
    if (!await confirmDialog('Make a new feed link?', 'Calendar apps subscribed to a link made earlier stop updating until you give them the new one.', 'Make new link')) return;
    const done = busyButton(make, 'Making…');
    try {
      const t = await api.post('/calendar/feed-token');
      done();
      make.textContent = 'Rotate link';
      clear(out).append(copyField('Feed address', t.feed_url, 'Shown only now: subscribe your calendar app to it (it holds a secret; do not share it).'));
      out.querySelector('input').focus();
    } catch (e) {
      done();
      clear(out).append(errorBox(e));
    }
  });
  revoke.addEventListener('click', async () => {
    if (!await confirmDialog('Revoke the feed link?', 'Calendar apps subscribed to it stop updating. You can make a new link later.', 'Revoke link')) return;
    const done = busyButton(revoke, 'Revoking…');
    try {
      await api.del('/calendar/feed-token');
      done();
      make.textContent = 'Make a feed link';
      notice(out, 'The feed link is revoked.');
    } catch (e) {
      done();
      clear(out).append(errorBox(e));
    }
  });
  return card('cal-feed', 'Calendar feed',
    h('p', {}, 'Subscribe any calendar app (Apple Calendar, Outlook, Google Calendar) to your viewings with a private link. A link is shown once; making a new one stops the old one.'),
    h('div', { class: 'actions' }, make, revoke), out);
}

export async function render(section) {
  section.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Calendar'));
  let slots = null;
  const appts = appointmentsSection({ slots: () => slots.slots(), changed: () => slots.reload() });
  slots = slotsSection((s) => openBooking(s, async (a) => {
    await appts.booked(a);
    slots.reload();
  }, () => slots.reload()));
  section.append(connection(), slots.el, appts.el, feedSection());
  await appts.reload();
}
