/* SPDX-License-Identifier: MIT */
/* The dashboard's entry: who is signed in (GET /users/me with the session cookie), the theme,
 * and the hash router (#/path?query) that loads one module per page. A page module exports
 * render(section, ctx) and fills the fresh <section> it is given. The calendar providers'
 * sign-in returns to FRONTEND_URL/users?auth=..., served as this page: it opens the calendar
 * with the outcome. */
import { api, onUnauthorized } from './lib/api.js';
import { h, clear, busy, errorBox } from './lib/dom.js';
import { setZone } from './lib/format.js';

/* path -> page. nav: shown in the main navigation; public: shown when signed out. */
const ROUTES = {
  '/signin': { title: 'Sign in', module: './pages/auth.js', name: 'signin', public: true },
  '/signup': { title: 'Create an account', module: './pages/auth.js', name: 'signup', public: true },
  '/overview': { title: 'Overview', module: './pages/overview.js', nav: 'Overview' },
  '/rentals': { title: 'Rentals', module: './pages/rentals.js', nav: 'Rentals' },
  '/sources': { title: 'Sources', module: './pages/sources.js', navUnder: '/rentals' },
  '/calendar': { title: 'Calendar', module: './pages/calendar.js', nav: 'Calendar' },
  '/assistant': { title: 'Assistant', module: './pages/assistant.js', nav: 'Assistant' },
  '/agent': { title: 'Agent', module: './pages/agent.js', navUnder: '/assistant' },
  '/calls': { title: 'Calls', module: './pages/calls.js', name: 'calls', nav: 'Calls' },
  '/call': { title: 'Call', module: './pages/calls.js', name: 'call', navUnder: '/calls' },
  '/settings': { title: 'Settings', module: './pages/settings.js', nav: 'Settings' },
};

const state = { user: null, settings: null, flash: null, seq: 0 };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const account = document.getElementById('account');

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function go(path, flash) {
  if (flash) state.flash = flash;
  if (location.hash === '#' + path) route();
  else location.hash = path;
}

export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.setAttribute('data-theme', theme);
  else root.removeAttribute('data-theme');
  try {
    if (theme) localStorage.setItem('pete-theme', theme);
    else localStorage.removeItem('pete-theme');
  } catch (e) { /* storage disabled */ }
}

function setSettings(s) {
  state.settings = s;
  setZone(s && s.timezone);
  applyTheme(s ? s.theme : null);
}

async function signOut(btn) {
  btn.disabled = true;
  try {
    await api.post('/auth/logout', undefined, { auth: false });
  } catch (e) {
    btn.disabled = false;
    state.flash = { error: e };
    route();
    return;
  }
  state.user = null;
  setSettings(null);
  go('/signin', { text: 'You are signed out.' });
}

function renderChrome(current) {
  const signedIn = !!state.user;
  nav.hidden = !signedIn;
  account.hidden = !signedIn;
  if (!signedIn) {
    clear(nav);
    clear(account);
    return;
  }
  const active = ROUTES[current]?.navUnder || current;
  clear(nav).append(h('ul', {}, Object.entries(ROUTES).filter(([, r]) => r.nav).map(([p, r]) =>
    h('li', {}, h('a', { href: '#' + p, 'aria-current': p === active ? 'page' : null }, r.nav)))));
  const out = h('button', { type: 'button', class: 'btn small', onclick: () => signOut(out) }, 'Sign out');
  clear(account).append(h('span', { class: 'who', title: state.user.email }, state.user.email), out);
}

/* The context a page receives. */
function context(params) {
  return {
    params,
    user: state.user,
    settings: state.settings,
    go,
    signedIn(user) { state.user = user; return loadSettings(); },
    settingsChanged(s) { setSettings(s); },
    userChanged(u) { state.user = u; renderChrome(parseHash().path); },
  };
}

const loaded = new Map();
async function loadPage(spec) {
  if (!loaded.has(spec.module)) loaded.set(spec.module, import(spec.module));
  const mod = await loaded.get(spec.module);
  return spec.name ? mod[spec.name] : mod;
}

async function route() {
  const { path, params } = parseHash();
  let spec = ROUTES[path];
  if (path === '/' || (spec && spec.public && state.user)) return go('/overview');
  if (spec && !spec.public && !state.user) return go('/signin');
  const seq = ++state.seq;
  renderChrome(path);
  const section = h('section', { class: 'page', 'aria-labelledby': 'page-title' });
  const flash = state.flash;
  state.flash = null;
  if (flash) section.append(flash.error ? errorBox(flash.error) : h('p', { class: 'alert ok', role: 'status' }, flash.text));
  if (!spec) {
    spec = { title: 'Page not found' };
    section.append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Page not found'),
      h('p', {}, 'There is no page at this address. '), h('a', { href: '#/overview' }, 'Go to the overview'));
  }
  document.title = spec.title + ' · PeteRental';
  clear(main).append(section);
  if (spec.module) {
    const done = busy(section, 'Loading…');
    try {
      const page = await loadPage(spec);
      done();
      if (seq !== state.seq) return;
      await page.render(section, context(params));
    } catch (e) {
      done();
      if (seq === state.seq) section.append(errorBox(e.status !== undefined ? e : { status: 0, message: 'This page could not be loaded: ' + e.message }));
    }
  }
  if (seq === state.seq) {
    const title = section.querySelector('h1');
    if (title && !section.contains(document.activeElement)) title.focus({ preventScroll: true });
  }
}

async function loadSettings() {
  try {
    setSettings(await api.get('/users/me/settings'));
  } catch (e) {
    setSettings(null);
    state.flash = { error: e };
  }
}

/* Back from a calendar provider's consent page at .../users?auth=success|error&message=:
 * the calendar page, with the outcome (the provider's own words when it failed). */
function oauthReturn() {
  if (!/\/users\/?$/.test(location.pathname)) return;
  const q = new URLSearchParams(location.search);
  const auth = q.get('auth');
  if (auth === 'success') state.flash = { text: 'Your calendar is connected.' };
  else if (auth) state.flash = { error: { message: 'The calendar was not connected: ' + (q.get('message') || 'the provider gave no reason.') } };
  history.replaceState(null, '', location.pathname.replace(/users\/?$/, '') + '#/calendar');
}

async function boot() {
  oauthReturn();
  onUnauthorized(() => {
    if (!state.user) return;
    state.user = null;
    setSettings(null);
    go('/signin', { text: 'Your session has ended. Sign in again to continue.' });
  });
  try {
    state.user = await api.get('/users/me', { auth: false });
  } catch (e) {
    state.user = null;
    if (e.status !== 401) state.flash = { error: e };
  }
  if (state.user) await loadSettings();
  else applyTheme(null);
  window.addEventListener('hashchange', route);
  await route();
}

boot();
