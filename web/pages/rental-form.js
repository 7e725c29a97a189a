/* SPDX-License-Identifier: MIT */
/* The add / edit rental dialog: POST /rentals or PATCH /rentals/{id}. Empty optional fields
 * are left out on add and cleared (null) on edit; the address and website cannot change once
 * a rental exists, so the edit form shows them read-only and does not send them. The
 * server's 422 messages land beside their fields. */
import { api } from '../lib/api.js';
import { h, field, checkbox, modal, showErrors, clearErrors, busyButton } from '../lib/dom.js';

const TYPES = ['apartment', 'house', 'condo', 'townhouse', 'duplex', 'studio', 'room', 'other'];
const TEXT = ['unit', 'city', 'state', 'zip', 'property_type', 'available_date', 'url', 'contact_info', 'description'];
const NUMBERS = ['price', 'bedrooms', 'bathrooms', 'square_feet'];

function fields(r, editing) {
  const v = (k) => (r && r[k] != null ? r[k] : '');
  const num = (name, label, step, hint) => field({ name, label, type: 'number', value: v(name), hint, attrs: { step, min: '0', inputmode: step === '1' ? 'numeric' : 'decimal' } });
  const locked = editing ? { readonly: true } : {};
  return [
    field({ name: 'property_address', label: 'Address', required: !editing, wide: true, value: v('property_address'), attrs: { autocomplete: 'off', ...locked },
      hint: editing ? 'An address cannot be changed; delete the rental and add it again instead.' : null }),
    field({ name: 'unit', label: 'Unit', value: v('unit') }),
    field({ name: 'city', label: 'City', value: v('city') }),
    field({ name: 'state', label: 'State', value: v('state') }),
    field({ name: 'zip', label: 'ZIP code', value: v('zip'), attrs: { inputmode: 'numeric' } }),
    num('price', 'Monthly rent (USD)', 'any'),
    num('bedrooms', 'Bedrooms', '1', '0 for a studio.'),
    num('bathrooms', 'Bathrooms', '0.5'),
    num('square_feet', 'Square feet', '1'),
    field({ name: 'property_type', label: 'Property type', type: 'select', value: v('property_type'),
      options: [['', 'Not set'], ...TYPES.map((t) => [t, t.charAt(0).toUpperCase() + t.slice(1)])] }),
    field({ name: 'available_date', label: 'Available from', type: 'date', value: v('available_date') }),
    checkbox({ name: 'available', label: 'Available to rent', checked: r ? r.available : true }),
    field({ name: 'website', label: 'Website', value: r ? r.website || '' : '', attrs: locked,
      hint: editing ? 'Where the rental came from; it cannot be changed.' : 'A host name such as example.com. Leave empty for a rental you add by hand.' }),
    field({ name: 'url', label: 'Listing URL', type: 'url', value: v('url'), wide: true, attrs: { inputmode: 'url' } }),
    field({ name: 'contact_info', label: 'Contact', value: v('contact_info'), wide: true }),
    field({ name: 'amenities', label: 'Amenities', value: r ? (r.amenities || []).join(', ') : '', wide: true, hint: 'Separated by commas, such as: parking, laundry, pets allowed.' }),
    field({ name: 'images', label: 'Image URLs', type: 'textarea', rows: 2, value: r ? (r.images || []).join('\n') : '', wide: true, hint: 'One http(s) address per line.' }),
    field({ name: 'description', label: 'Description', type: 'textarea', rows: 4, value: v('description'), wide: true }),
  ];
}

/* The body to send, or {errors} for numbers the browser could not read. */
function collect(form, editing) {
  const el = form.elements;
  const out = {};
  const errors = [];
  const put = (k, val, empty) => {
    if (empty && !editing) return;
    out[k] = empty ? null : val;
  };
  if (!editing) {
    put('property_address', el.property_address.value.trim(), !el.property_address.value.trim());
    put('website', el.website.value.trim(), !el.website.value.trim());
  }
  for (const k of TEXT) put(k, el[k].value.trim(), !el[k].value.trim());
  for (const k of NUMBERS) {
    if (el[k].validity.badInput) errors.push({ field: k, message: 'must be a number' });
    else put(k, Number(el[k].value), el[k].value === '');
  }
  out.available = el.available.checked;
  const list = (s, sep) => s.split(sep).map((x) => x.trim()).filter(Boolean);
  const amen = list(el.amenities.value, ','), imgs = list(el.images.value, /\n/);
  if (amen.length || editing) out.amenities = amen;
  if (imgs.length || editing) out.images = imgs;
  return errors.length ? { errors } : { body: out };
}

/* Opens the dialog; onSaved(rental, created) runs after the server accepted it. */
export function openRentalForm(rental, onSaved) {
  const editing = !!rental;
  const m = modal(editing ? 'Edit rental' : 'Add a rental', { wide: true });
  const save = h('button', { type: 'submit', class: 'btn primary' }, editing ? 'Save changes' : 'Add rental');
  const cancel = h('button', { type: 'button', class: 'btn', onclick: () => m.close() }, 'Cancel');
  const form = h('form', { novalidate: true, class: 'form-grid', 'aria-label': editing ? 'Edit rental' : 'Add a rental' },
    fields(rental, editing), h('div', { class: 'actions wide' }, save, cancel));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const c = collect(form, editing);
    if (c.errors) {
      showErrors(form, { status: 422, message: 'Some fields need attention.', errors: c.errors });
      return;
    }
    const done = busyButton(save, 'Saving…');
    try {
      const saved = editing ? await api.patch('/rentals/' + rental.id, c.body) : await api.post('/rentals', c.body);
      done();
      m.close();
      onSaved(saved, !editing);
    } catch (e) {
      done();
      showErrors(form, e);
    }
  });
  m.body.append(form);
  m.open();
  form.elements[editing ? 'unit' : 'property_address'].focus();
}
