/* SPDX-License-Identifier: MIT */
/* Sign in and sign up with the server's built-in accounts (POST /auth/login, /auth/signup).
 * The server sets the HttpOnly session cookie; the token in the answer is not kept. Wrong
 * credentials, taken emails, rate limits (429) and a busy server (503) are shown as the
 * server words them, with its Retry-After. */
import { api } from '../lib/api.js';
import { h, field, showErrors, clearErrors, busyButton } from '../lib/dom.js';

function values(form) {
  const out = {};
  for (const el of form.elements) if (el.name) out[el.name] = el.value.trim();
  return out;
}

function layout(section, title, intro, form, footer) {
  section.classList.add('auth');
  section.append(h('div', { class: 'card auth-card' },
    h('h1', { id: 'page-title', tabindex: '-1' }, title),
    h('p', { class: 'muted' }, intro), form, h('p', { class: 'switch' }, footer)));
}

async function submit(form, btn, label, call, ctx) {
  clearErrors(form);
  const done = busyButton(btn, label);
  let res;
  try {
    res = await call();
  } catch (e) {
    done();
    showErrors(form, e);
    return;
  }
  done();
  await ctx.signedIn(res.user);
  ctx.go('/overview');
}

export const signin = {
  async render(section, ctx) {
    const btn = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
    const form = h('form', { novalidate: true, class: 'stack' },
      field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'username' } }),
      field({ label: 'Password', name: 'password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } }),
      h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = values(form);
      v.password = form.elements.password.value;
      submit(form, btn, 'Signing in…', () => api.post('/auth/login', v, { auth: false }), ctx);
    });
    layout(section, 'Sign in', 'Manage your listings, hours and voice assistant.', form,
      ['New here? ', h('a', { href: '#/signup' }, 'Create an account')]);
  },
};

export const signup = {
  async render(section, ctx) {
    const btn = h('button', { type: 'submit', class: 'btn primary' }, 'Create account');
    const form = h('form', { novalidate: true, class: 'stack' },
      h('div', { class: 'row2' },
        field({ label: 'First name', name: 'first_name', attrs: { autocomplete: 'given-name' } }),
        field({ label: 'Last name', name: 'last_name', attrs: { autocomplete: 'family-name' } })),
      field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'email' } }),
      field({ label: 'Password', name: 'password', type: 'password', required: true, hint: 'At least 10 characters.', attrs: { autocomplete: 'new-password' } }),
      h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = values(form);
      v.password = form.elements.password.value;
      submit(form, btn, 'Creating your account…', () => api.post('/auth/signup', v, { auth: false }), ctx);
    });
    layout(section, 'Create an account', 'One account per property manager. Your listings are visible only to you.', form,
      ['Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')]);
  },
};
