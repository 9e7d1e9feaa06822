// Tables with server-side pagination over the API's {items, total, offset, limit} lists.
import { clear, el } from './ui.js';

// columns: [{label, render(row) -> Node|string, class}]
// load(offset, limit) -> Promise<{items, total}>
// Returns {element, reload(resetPage), page()}.
export function pagedTable({ caption, columns, load, pageSize = 20, onError, empty = 'Aucun résultat.', rowActions }) {
  let offset = 0;
  let total = 0;
  const status = el('p', { class: 'table-status', 'aria-live': 'polite' });
  const tbody = el('tbody');
  const table = el('table', { class: 'table' },
    caption ? el('caption', { class: 'sr-only' }, caption) : null,
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.thClass }, c.label)),
      rowActions ? el('th', { scope: 'col', class: 'col-actions' }, el('span', { class: 'sr-only' }, 'Actions')) : null)),
    tbody);
  const prev = el('button', { type: 'button', class: 'btn btn-small', onclick: () => go(offset - pageSize) }, '‹ Précédent');
  const next = el('button', { type: 'button', class: 'btn btn-small', onclick: () => go(offset + pageSize) }, 'Suivant ›');
  const pager = el('nav', { class: 'pager', 'aria-label': caption ? `Pagination : ${caption}` : 'Pagination' }, prev, status, next);
  const element = el('div', { class: 'table-block' }, el('div', { class: 'table-wrap' }, table), pager);

  async function go(newOffset) {
    offset = Math.max(0, newOffset);
    element.setAttribute('aria-busy', 'true');
    try {
      const page = await load(offset, pageSize);
      total = page.total;
      clear(tbody, page.items.length
        ? page.items.map((row) => el('tr', {}, columns.map((c) => el('td', { class: c.class }, c.render(row))),
          rowActions ? el('td', { class: 'col-actions' }, rowActions(row)) : null))
        : el('tr', {}, el('td', { colspan: columns.length + (rowActions ? 1 : 0), class: 'empty' }, empty)));
      const last = Math.min(offset + page.items.length, total);
      status.textContent = total ? `${offset + 1}–${last} sur ${total}` : '0 résultat';
      prev.disabled = offset === 0;
      next.disabled = offset + pageSize >= total;
    } catch (e) {
      clear(tbody, el('tr', {}, el('td', { colspan: columns.length + (rowActions ? 1 : 0), class: 'empty error' }, e.message)));
      status.textContent = '';
      if (onError) onError(e);
    } finally {
      element.removeAttribute('aria-busy');
    }
  }
  return { element, reload: (reset = true) => go(reset ? 0 : offset), page: () => ({ offset, total }) };
}
