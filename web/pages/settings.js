/* SPDX-License-Identifier: MIT */
/* Settings: the profile (GET /users/me, read-only: the API has no way to change it), and
 * the sections of GET/PATCH /users/me/settings, each saved on its own: availability (time
 * zone, weekly hours, slot, buffer, notice, horizon), appearance (theme), notifications and
 * the Vapi API key (set, replace or clear; only its last four characters ever come back). */
import { api } from '../lib/api.js';
import { h, clear, field, checkbox, nextId, busy, busyButton, errorBox, showErrors, clearErrors, confirmDialog, notice } from '../lib/dom.js';
import { when } from '../lib/format.js';
import { hoursEditor } from './hours.js';

const FALLBACK_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles',
  'America/Anchorage', 'Pacific/Honolulu', 'America/Toronto', 'America/Mexico_City', 'Europe/London', 'Europe/Berlin', 'Europe/Paris',
  'Asia/Tokyo', 'Australia/Sydney', 'UTC'];

function zones() {
  try {
    const z = Intl.supportedValuesOf('timeZone');
    return z.includes('UTC') ? z : [...z, 'UTC'];
  } catch (e) {
    return FALLBACK_ZONES;
  }
}

/* One settings section: a form with its title, fields, a save button and a status line.
 * body(form) returns the PATCH body or {errors}; after the server agrees, done(settings). */
function section(title, intro, fields, opts) {
  const id = nextId('set');
  const status = h('div', { class: 'status-region', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn primary' }, opts.saveLabel);
  const form = h('form', { class: 'card form-grid', novalidate: true, 'aria-labelledby': id },
    h('h2', { id, class: 'wide' }, title), intro ? h('p', { class: 'muted wide' }, intro) : null,
    fields, h('div', { class: 'actions wide' }, save, opts.extra || null), h('div', { class: 'wide' }, status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    clear(status);
    const b = opts.body(form);
    if (b.errors) return showErrors(form, { status: 422, message: 'Some fields need attention.', errors: b.errors });
    const done = busyButton(save, 'Saving…');
    try {
      const s = await api.patch('/users/me/settings', b);
      done();
      opts.done(s);
      notice(status, opts.saved || 'Saved.');
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  return form;
}

function intField(name, label, value, min, max, hint) {
  return field({ name, label, type: 'number', value, hint, attrs: { min: String(min), max: String(max), step: '1', inputmode: 'numeric' } });
}

function availability(s, ctx) {
  const listId = nextId('zones');
  const hours = hoursEditor(s.business_hours);
  const fields = [
    field({ name: 'timezone', label: 'Time zone', value: s.timezone, wide: true, hint: 'Type to search, such as Chicago or Europe/Berlin.',
      attrs: { list: listId, autocomplete: 'off', spellcheck: 'false' } }),
    h('datalist', { id: listId }, zones().map((z) => h('option', { value: z }))),
    h('div', { class: 'wide' }, hours.el),
    intField('slot_minutes', 'Viewing length (minutes)', s.slot_minutes, 5, 240, 'From 5 to 240.'),
    intField('buffer_minutes', 'Buffer between viewings (minutes)', s.buffer_minutes, 0, 240, 'From 0 to 240.'),
    intField('min_notice_minutes', 'Minimum notice (minutes)', s.min_notice_minutes, 0, 10080, 'How soon a caller may book; up to a week.'),
    intField('booking_horizon_days', 'Booking horizon (days)', s.booking_horizon_days, 1, 365, 'How far ahead a caller may book.'),
  ];
  return section('Availability', 'When callers can book viewings.', fields, {
    saveLabel: 'Save availability',
    saved: 'Availability saved.',
    body(form) {
      const el = form.elements;
      const out = { timezone: el.timezone.value.trim(), business_hours: hours.value() };
      const errors = [];
      for (const k of ['slot_minutes', 'buffer_minutes', 'min_notice_minutes', 'booking_horizon_days']) {
        if (el[k].validity.badInput || el[k].value === '') errors.push({ field: k, message: 'must be a whole number' });
        else out[k] = Number(el[k].value);
      }
      return errors.length ? { errors } : out;
    },
    done: (ns) => ctx.settingsChanged(ns),
  });
}

function appearance(s, ctx) {
  const name = nextId('theme');
  const opt = (v, label) => {
    const id = name + '-' + v;
    return h('div', { class: 'check-row' }, h('input', { type: 'radio', id, name: 'theme', value: v, checked: s.theme === v }), h('label', { for: id }, label));
  };
  const group = h('fieldset', { class: 'field wide', 'data-field': 'theme' }, h('legend', {}, 'Theme'),
    opt('system', 'Same as this device'), opt('light', 'Light'), opt('dark', 'Dark'), h('p', { class: 'field-error', hidden: true }));
  return section('Appearance', null, [group], {
    saveLabel: 'Save theme',
    saved: 'Theme saved.',
    body: (form) => ({ theme: form.elements.theme.value }),
    done: (ns) => ctx.settingsChanged(ns),
  });
}

function notifications(s, ctx) {
  const n = s.notifications || {};
  return section('Notifications', 'How you hear about new bookings and calls.', [
    checkbox({ name: 'notifications.email', label: 'Email me', checked: n.email }),
    checkbox({ name: 'notifications.sms', label: 'Text me', checked: n.sms }),
    field({ name: 'notification_email', label: 'Notification email', type: 'email', value: s.notification_email || '', wide: true,
      hint: 'Where emails go; your account email (' + ctx.user.email + ') when empty.', attrs: { autocomplete: 'email' } }),
  ], {
    saveLabel: 'Save notifications',
    saved: 'Notifications saved.',
    body: (form) => ({
      notifications: { email: form.elements['notifications.email'].checked, sms: form.elements['notifications.sms'].checked },
      notification_email: form.elements.notification_email.value.trim() || null,
    }),
    done: (ns) => ctx.settingsChanged(ns),
  });
}

function vapiKey(s, ctx) {
  const state = h('p', { class: 'wide key-state', role: 'status' });
  const clearBtn = h('button', { type: 'button', class: 'btn danger' }, 'Remove key');
  const show = (ns) => {
    state.textContent = ns.vapi_api_key_set
      ? 'A key ending in ' + (ns.vapi_api_key_last4 || '????') + ' is saved. Enter a new one to replace it.'
      : 'No key saved: the server\'s own Vapi key, if it has one, is used.';
    clearBtn.hidden = !ns.vapi_api_key_set;
  };
  let form;
  const after = (ns) => {
    ctx.settingsChanged(ns);
    show(ns);
    form.elements.vapi_api_key.value = '';
  };
  form = section('Voice assistant', 'Your Vapi private API key, used to manage your assistant. It is stored encrypted and never shown again.', [
    state,
    field({ name: 'vapi_api_key', label: 'Vapi API key', type: 'password', wide: true, attrs: { autocomplete: 'off', spellcheck: 'false' } }),
  ], {
    saveLabel: 'Save key',
    saved: 'Key saved.',
    extra: clearBtn,
    body(f) {
      const v = f.elements.vapi_api_key.value.trim();
      return v ? { vapi_api_key: v } : { errors: [{ field: 'vapi_api_key', message: 'enter a key to save, or use Remove key' }] };
    },
    done: after,
  });
  clearBtn.addEventListener('click', async () => {
    if (!await confirmDialog('Remove the Vapi key?', 'The assistant will use the server\'s key, if any, until you save a new one.', 'Remove key')) return;
    clearErrors(form);
    const done = busyButton(clearBtn, 'Removing…');
    try {
      after(await api.patch('/users/me/settings', { vapi_api_key: null }));
      done();
      notice(form.querySelector('.status-region'), 'Key removed.');
      form.elements.vapi_api_key.focus();
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  show(s);
  return form;
}

function profile(u) {
  const name = u.full_name || [u.first_name, u.last_name].filter(Boolean).join(' ') || '—';
  return h('section', { class: 'card', 'aria-labelledby': 'set-profile' },
    h('h2', { id: 'set-profile' }, 'Profile'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Name'), h('dd', {}, name),
      h('dt', {}, 'Email'), h('dd', {}, u.email || '—'),
      h('dt', {}, 'Member since'), h('dd', {}, when(u.created_at))),
    h('p', { class: 'muted' }, 'Your name and email come from your account.'));
}

export async function render(sectionEl, ctx) {
  sectionEl.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Settings'));
  const body = h('div', { class: 'stack' });
  sectionEl.append(body);
  const done = busy(body, 'Loading your settings…');
  let user, s;
  try {
    [user, s] = await Promise.all([api.get('/users/me'), api.get('/users/me/settings')]);
  } catch (e) {
    done();
    body.append(errorBox(e));
    return;
  }
  done();
  ctx.userChanged(user);
  ctx.settingsChanged(s);
  const c = { ...ctx, user };
  body.append(profile(user), availability(s, c), appearance(s, c), notifications(s, c), vapiKey(s, c));
}
