// Small DOM helpers shared by every screen: element builder, the aria-live message area,
// date formatting in French (Europe/Paris), badges and dialogs.

// el('button', {class: 'btn', onclick: fn}, 'Texte', child...) — attributes starting with "on"
// become listeners; `dataset`/`style` objects are merged; false/null children are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'style' && typeof v === 'object') {
      for (const [prop, val] of Object.entries(v)) {
        if (prop.startsWith('--')) node.style.setProperty(prop, val);
        else node.style[prop] = val;
      }
    }
    else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled') node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

let uid = 0;
export function nextId(prefix = 'f') { uid += 1; return `${prefix}-${uid}`; }

// ---- messages -------------------------------------------------------------------------------
// One live region for the whole application (#messages, role=status). kind: info|success|error.
export function announce(text, kind = 'info') {
  const box = document.getElementById('messages');
  if (!box) return;
  const item = el('div', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : null },
    el('span', { class: 'message-text' }, text),
    el('button', { type: 'button', class: 'message-close', 'aria-label': 'Fermer le message',
      onclick: (ev) => ev.currentTarget.parentElement.remove() }, '×'));
  box.replaceChildren(item);
  if (kind !== 'error') {
    setTimeout(() => { if (item.isConnected) item.remove(); }, 8000);
  }
}

export function clearMessages() {
  const box = document.getElementById('messages');
  if (box) box.replaceChildren();
}

// Shows an ApiError (or any error) in the live region; returns the message.
export function announceError(e, prefix) {
  const msg = (e && e.message) ? e.message : 'Erreur inattendue.';
  if (e && e.status === 401) return msg; // the login page says it: the session is gone
  announce(prefix ? `${prefix} : ${msg}` : msg, 'error');
  return msg;
}

// ---- dates ------------------------------------------------------------------------------------
export const TZ = 'Europe/Paris';
const fmtDate = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
const fmtTime = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const fmtDateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const fmtLongDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const fmtShortDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'short', day: '2-digit', month: '2-digit' });
const fmtParts = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

// "1980-04-12" -> "12/04/1980" (a calendar date: no time zone shift).
export function formatDate(ymd) {
  if (!ymd) return '';
  const [y, m, d] = ymd.split('-');
  return d && m && y ? `${d}/${m}/${y}` : ymd;
}
export function formatTime(iso) { return iso ? fmtTime.format(new Date(iso)) : ''; }
export function formatDateTime(iso) { return iso ? fmtDateTime.format(new Date(iso)) : ''; }
export function formatLongDay(ymd) { return fmtLongDay.format(new Date(`${ymd}T00:00:00Z`)); }
export function formatShortDay(ymd) { return fmtShortDay.format(new Date(`${ymd}T00:00:00Z`)); }

// Local (practice time zone) calendar date and minutes after midnight of an instant.
export function localParts(iso) {
  const p = Object.fromEntries(fmtParts.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}
export function todayLocal() { return localParts(new Date().toISOString()).date; }
export function addDays(ymd, n) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
// Monday of the week of ymd.
export function mondayOf(ymd) {
  const d = new Date(`${ymd}T00:00:00Z`);
  const wd = (d.getUTCDay() + 6) % 7;
  return addDays(ymd, -wd);
}
export function minutesLabel(min) {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

// ---- badges ---------------------------------------------------------------------------------
export function badge(text, tone = 'neutral', title) {
  return el('span', { class: `badge badge-${tone}`, title }, text);
}

// ---- dialogs ------------------------------------------------------------------------------
// Opens a modal <dialog> with a title and body; returns {dialog, close}. Focus goes to the first
// focusable control and returns to the opener when closed; Escape closes.
export function openDialog(title, body, { wide = false, onClose } = {}) {
  const opener = document.activeElement;
  const titleId = nextId('dlg');
  const dialog = el('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId });
  const close = () => { if (dialog.open) dialog.close(); };
  dialog.append(
    el('div', { class: 'dialog-head' },
      el('h2', { id: titleId }, title),
      el('button', { type: 'button', class: 'btn btn-ghost', 'aria-label': 'Fermer', onclick: close }, '×')),
    el('div', { class: 'dialog-body' }, body));
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector('.dialog-body input, .dialog-body select, .dialog-body textarea, .dialog-body button');
  if (first) first.focus();
  return { dialog, close };
}

// Moves focus to a screen's main heading after navigation (screen readers announce it).
export function focusHeading(root) {
  const h = root.querySelector('h1');
  if (h) {
    h.setAttribute('tabindex', '-1');
    h.focus({ preventScroll: true });
  }
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
