// Forms generated from field definitions, with the API's field-level French messages.
//
// A field definition: {name, label, type, required, options, max, hint, immutable, width}
//   type: text | date | datetime | int | bool | enum | ref | password | email | tel | roles
//   options (enum/ref/roles): [[value, label], ...]; ref options come from the caller.
import { el, nextId } from './ui.js';

function inputFor(f, id, value) {
  const common = { id, name: f.name, 'aria-describedby': `${id}-hint ${id}-err` };
  if (f.required) common.required = true;
  switch (f.type) {
    case 'bool':
      return el('input', { ...common, type: 'checkbox', checked: !!value, required: null });
    case 'enum':
    case 'ref': {
      const sel = el('select', common,
        el('option', { value: '' }, f.required ? '— choisir —' : '— aucun —'),
        (f.options || []).map(([v, l]) => el('option', { value: String(v) }, l)));
      sel.value = value === null || value === undefined ? '' : String(value);
      return sel;
    }
    case 'roles':
      return el('fieldset', { class: 'checks', id, 'aria-describedby': `${id}-err` },
        el('legend', { class: 'sr-only' }, f.label),
        (f.options || []).map(([v, l]) => {
          const cid = nextId('chk');
          return el('span', { class: 'check' },
            el('input', { type: 'checkbox', id: cid, name: f.name, value: v, checked: (value || []).includes(v) }),
            el('label', { for: cid }, l));
        }));
    case 'datetime': {
      const local = value ? isoToLocalInput(value) : '';
      return el('input', { ...common, type: 'datetime-local', value: local });
    }
    case 'int':
      return el('input', { ...common, type: 'number', step: '1', value: value ?? '' });
    case 'date':
      return el('input', { ...common, type: 'date', value: value ?? '' });
    default:
      return el('input', {
        ...common,
        type: f.type === 'password' ? 'password' : f.type === 'email' ? 'email' : f.type === 'tel' ? 'tel' : 'text',
        value: value ?? '', maxlength: f.max || null, autocomplete: f.type === 'password' ? 'new-password' : 'off',
        spellcheck: 'false', pattern: f.pattern || null, inputmode: f.inputmode || null,
      });
  }
}

function isoToLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// Builds the form. initial: the record being edited (or {}). mode: 'create' | 'edit'.
// Returns {form, values(), setErrors(apiError), clearErrors(), focusFirst()}.
export function buildForm(fields, { initial = {}, mode = 'create', submitLabel = 'Enregistrer', onSubmit, onCancel, columns = 2 } = {}) {
  const ids = {};
  const form = el('form', { class: `form form-cols-${columns}`, novalidate: true });
  const summary = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  form.append(summary);
  const grid = el('div', { class: columns === 3 ? 'form-grid form-grid-3cols' : 'form-grid' });
  for (const f of fields) {
    if (mode === 'create' && f.editOnly) continue;
    if (mode === 'edit' && f.createOnly) continue;
    const id = nextId('fld');
    ids[f.name] = id;
    const input = inputFor(f, id, initial[f.name]);
    if (mode === 'edit' && f.immutable) input.disabled = true;
    const label = f.type === 'roles'
      ? el('span', { class: 'label', id: `${id}-label` }, f.label, f.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null)
      : el('label', { for: id, class: 'label' }, f.label, f.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
    if (f.type === 'roles') input.setAttribute('aria-labelledby', `${id}-label`);
    grid.append(el('div', { class: `field field-${f.type}${f.wide ? ' field-wide' : ''}`, dataset: { field: f.name } },
      label, input,
      el('div', { class: 'hint', id: `${id}-hint` }, f.hint || ''),
      el('div', { class: 'field-error', id: `${id}-err` })));
  }
  form.append(grid);
  form.append(el('div', { class: 'form-actions' },
    el('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel),
    onCancel ? el('button', { type: 'button', class: 'btn', onclick: onCancel }, 'Annuler') : null));

  const api = {
    form,
    values() {
      const out = {};
      for (const f of fields) {
        const id = ids[f.name];
        if (!id) continue;
        const node = form.querySelector(`#${id}`);
        if (!node || node.disabled) continue;
        if (f.type === 'roles') {
          out[f.name] = [...node.querySelectorAll('input:checked')].map((c) => c.value);
          continue;
        }
        if (f.type === 'bool') { out[f.name] = node.checked; continue; }
        const raw = node.value.trim();
        if (raw === '') {
          // Omitted on create (the API names a missing mandatory field). On edit, clearing a
          // value sends null (optional) or "" (mandatory: the API explains it cannot be empty).
          const had = initial[f.name] !== undefined && initial[f.name] !== null;
          if (mode === 'edit' && had) out[f.name] = f.required ? '' : null;
          continue;
        }
        if (f.type === 'int' || f.type === 'ref') {
          out[f.name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
        } else if (f.type === 'datetime') {
          out[f.name] = new Date(raw).toISOString().replace(/\.\d{3}Z$/, 'Z');
        } else {
          out[f.name] = raw;
        }
      }
      for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
      // On edit, send only what changed.
      if (mode === 'edit') {
        for (const k of Object.keys(out)) {
          const before = initial[k];
          if (JSON.stringify(before ?? null) === JSON.stringify(out[k])) delete out[k];
        }
      }
      return out;
    },
    clearErrors() {
      summary.hidden = true;
      summary.replaceChildren();
      for (const n of form.querySelectorAll('.field-error')) n.textContent = '';
      for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
    },
    // Shows an ApiError: next to its field when the API names one, in the summary otherwise.
    setErrors(e) {
      api.clearErrors();
      const id = e && e.field ? ids[e.field] : null;
      if (id) {
        const input = form.querySelector(`#${id}`);
        form.querySelector(`#${id}-err`).textContent = e.message;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      } else {
        summary.hidden = false;
        summary.textContent = e && e.message ? e.message : 'Erreur inattendue.';
        summary.setAttribute('tabindex', '-1');
        summary.focus();
      }
    },
    focusFirst() {
      const first = form.querySelector('input:not([disabled]), select:not([disabled])');
      if (first) first.focus();
    },
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      await onSubmit(api.values(), api);
    } finally {
      btn.disabled = false;
    }
  });
  return api;
}
