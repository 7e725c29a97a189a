/* SPDX-License-Identifier: MIT */
/* Building the page without HTML strings: h() makes elements whose text is always set with
 * textContent and whose values are attributes; labelled form fields with a slot for the
 * server's message about them; loading states that appear only after 300 ms; error boxes
 * that show the server's own message; and a confirmation dialog. */

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && (tag === 'textarea' || tag === 'select')) el.value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return (prefix || 'id') + '-' + uid;
}

/* A labelled field: {label, name, type, value, hint, required, attrs, control, options}.
 * name is what the server calls the field; its messages land in the field's error slot. */
export function field(o) {
  const id = nextId('f-' + String(o.name).replace(/[^a-z0-9]+/gi, '-'));
  let input = o.control;
  if (!input && o.type === 'select') {
    input = h('select', { name: o.name },
      o.options.map(([v, t]) => h('option', { value: v, selected: String(o.value ?? '') === v }, t)));
  } else if (!input && o.type === 'textarea') {
    input = h('textarea', { name: o.name, rows: o.rows || 3, ...o.attrs });
    input.value = o.value ?? '';
  } else if (!input) {
    input = h('input', { name: o.name, type: o.type || 'text', value: o.value ?? '', ...o.attrs });
  }
  input.id = id;
  if (o.required) input.required = true;
  const hintId = id + '-hint', errId = id + '-err';
  input.setAttribute('aria-describedby', (o.hint ? hintId + ' ' : '') + errId);
  const wrap = h('div', { class: 'field' + (o.wide ? ' wide' : ''), 'data-field': o.name },
    h('label', { for: id }, o.label, o.required ? h('span', { class: 'req' }, ' (required)') : null),
    input,
    o.hint ? h('p', { class: 'hint', id: hintId }, o.hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }));
  return wrap;
}

export function checkbox(o) {
  const id = nextId('c-' + o.name);
  const input = h('input', { type: 'checkbox', id, name: o.name, checked: !!o.checked, ...o.attrs });
  return h('div', { class: 'field check', 'data-field': o.name },
    h('div', { class: 'check-row' }, input, h('label', { for: id }, o.label)),
    o.hint ? h('p', { class: 'hint' }, o.hint) : null,
    h('p', { class: 'field-error', id: id + '-err', hidden: true }));
}

/* Clears every field error and the form's own message. */
export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const box = form.querySelector(':scope > .form-error');
  if (box) box.remove();
}

/* The field wrapper for a server field name such as "business_hours.monday[1]": the exact
 * name, else the name without its index, else its parent object. */
function fieldFor(form, name) {
  let n = name;
  while (n) {
    const el = form.querySelector('[data-field="' + CSS.escape(n) + '"]');
    if (el) return el;
    if (/\[\d+\]$/.test(n)) n = n.replace(/\[\d+\]$/, '');
    else if (n.includes('.')) n = n.slice(0, n.lastIndexOf('.'));
    else n = '';
  }
  return null;
}

function showFieldError(wrap, text) {
  const p = wrap.querySelector('.field-error');
  p.textContent = p.hidden || !p.textContent ? text : p.textContent + ' ' + text;
  p.hidden = false;
  const input = wrap.querySelector('input, select, textarea');
  if (input) input.setAttribute('aria-invalid', 'true');
}

function sentence(s) {
  return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}

/* Shows err on form: 422 entries beside their fields (those without a field in the form go
 * to the form's message), a 400 naming a field beside it, anything else as the form's
 * message. Focuses the first field in error. */
export function showErrors(form, err) {
  clearErrors(form);
  const rest = [];
  let first = null;
  const entries = err.errors && err.errors.length ? err.errors : [];
  const m = err.status === 400 && /^(?:Field|Query parameter) '([^']+)'/.exec(err.message || '');
  if (m) entries.push({ field: m[1], message: err.message, whole: true });
  for (const e of entries) {
    const wrap = e.field ? fieldFor(form, String(e.field)) : null;
    const text = e.whole ? e.message : sentence(String(e.message || 'is not valid'));
    if (!wrap) {
      rest.push((e.field ? e.field + ': ' : '') + text);
      continue;
    }
    showFieldError(wrap, text);
    first = first || wrap;
  }
  if (!entries.length || rest.length) {
    const box = errorBox(err, rest.length ? rest : null);
    box.classList.add('form-error');
    form.prepend(box);
    if (!first) box.focus();
  }
  if (first) first.querySelector('input, select, textarea')?.focus();
}

export function retryText(seconds) {
  if (seconds == null) return '';
  if (seconds < 90) return 'You can try again in ' + seconds + (seconds === 1 ? ' second.' : ' seconds.');
  const min = Math.ceil(seconds / 60);
  return 'You can try again in ' + min + ' minutes.';
}

const TITLES = { 0: 'No connection', 401: 'Not signed in', 403: 'Not allowed', 404: 'Not found',
  409: 'Conflict', 413: 'Too large', 422: 'Some fields need attention', 429: 'Too many attempts',
  503: 'The server is busy' };

/* An alert with the server's message (and its Retry-After, for 429 and 503). */
export function errorBox(err, lines) {
  const title = TITLES[err.status] || (err.status >= 500 ? 'Server error' : 'Something went wrong');
  return h('div', { class: 'alert error', role: 'alert', tabindex: '-1' },
    h('strong', {}, title + (err.status ? ' (HTTP ' + err.status + ')' : '')),
    h('p', {}, err.message),
    lines ? h('ul', {}, lines.map((l) => h('li', {}, l))) : null,
    err.retryAfter != null ? h('p', { class: 'retry' }, retryText(err.retryAfter)) : null);
}

/* Marks el busy now and shows a loading line in it after 300 ms; returns done(). */
export function busy(el, label) {
  el.setAttribute('aria-busy', 'true');
  let note = null;
  const t = setTimeout(() => {
    note = h('p', { class: 'loading', role: 'status' }, label || 'Loading…');
    el.append(note);
  }, 300);
  return () => {
    clearTimeout(t);
    if (note) note.remove();
    el.removeAttribute('aria-busy');
  };
}

/* Disables a button while work runs; after 300 ms its text says label. Returns done(). */
export function busyButton(btn, label) {
  const text = btn.textContent;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  const t = setTimeout(() => {
    btn.textContent = label || 'Working…';
    btn.classList.add('working');
  }, 300);
  return () => {
    clearTimeout(t);
    btn.textContent = text;
    btn.classList.remove('working');
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  };
}

/* The notice for a feature this server does not offer yet (api.js missingEndpoint). */
export function unavailable(what) {
  return h('div', { class: 'alert warn', role: 'status' }, h('strong', {}, 'Not available on this server yet'),
    h('p', {}, what + ' needs a newer PeteRental server. Everything else keeps working.'));
}

/* A titled card section (labelled by its heading, id). */
export function card(id, title, ...children) {
  return h('section', { class: 'card stack', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || 'off') }, text);
}

/* A read-only field holding value, with a Copy button that puts it on the clipboard and says
 * so; where the browser refuses, the text is selected for the person to copy. */
export function copyField(label, value, hint) {
  const f = field({ name: 'copy', label, value, hint, wide: true, attrs: { readonly: true, spellcheck: 'false', autocomplete: 'off' } });
  const input = f.querySelector('input');
  const said = h('span', { class: 'muted', role: 'status' });
  const btn = h('button', { type: 'button', class: 'btn small', 'aria-label': 'Copy ' + label.toLowerCase() }, 'Copy');
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      said.textContent = 'Copied.';
    } catch (e) {
      input.focus();
      input.select();
      said.textContent = 'The browser did not allow copying: the text is selected, copy it with Ctrl+C.';
    }
  });
  f.append(h('div', { class: 'actions' }, btn, said));
  return f;
}

/* A transient confirmation in the page's status region. */
export function notice(region, text) {
  clear(region).append(h('p', { class: 'alert ok' }, text));
}

/* A modal dialog: returns {dialog, body, close}. The caller fills body and calls open(). */
export function modal(title, opts = {}) {
  const titleId = nextId('dlg');
  const body = h('div', { class: 'dialog-body' });
  const dialog = h('dialog', { class: 'dialog' + (opts.wide ? ' wide' : ''), 'aria-labelledby': titleId },
    h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title)), body);
  dialog.addEventListener('close', () => dialog.remove());
  return {
    dialog, body,
    open() { document.body.append(dialog); dialog.showModal(); },
    close() { if (dialog.open) dialog.close(); },
  };
}

/* Asks a yes/no question in a dialog; resolves true when confirmed. */
export function confirmDialog(title, text, action, noLabel) {
  return new Promise((resolve) => {
    const m = modal(title);
    let answer = false;
    const yes = h('button', { type: 'button', class: 'btn danger', onclick: () => { answer = true; m.close(); } }, action);
    const no = h('button', { type: 'button', class: 'btn', onclick: () => m.close() }, noLabel || 'Cancel');
    m.body.append(h('p', {}, text), h('div', { class: 'actions' }, yes, no));
    m.dialog.addEventListener('close', () => resolve(answer));
    m.open();
    no.focus();
  });
}
