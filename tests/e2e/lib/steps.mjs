// Small steps shared by the end-to-end scenarios: screenshots, login and logout through the UI,
// accessible-name matchers, JSON calls with the page's session.
import path from 'node:path';

// A control's accessible name: its label, plus " *" when the field is mandatory.
export const L = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`);

export function makeShot(dir, log) {
  // top: scroll back to the top of the screen first; fullPage: the whole page, not the viewport.
  return async (page, name, { top = false, fullPage = false } = {}) => {
    if (top) await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(150); // let the messages and layout settle
    // A full page shows the fixed message area in the middle of the page: hide it then.
    if (fullPage) await page.evaluate(() => { document.getElementById('messages').style.visibility = 'hidden'; });
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
    if (fullPage) await page.evaluate(() => { document.getElementById('messages').style.visibility = ''; });
    log(`screenshot ${name}.png`);
  };
}

export async function login(page, account) {
  await page.getByLabel(L('Identifiant')).fill(account.login);
  await page.getByLabel(L('Mot de passe')).fill(account.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.locator('header.topbar').waitFor();
}

export async function logout(page) {
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
}

// fetch() from the page (its session cookie), JSON in and out. Writes carry the CSRF token
// read from /auth/me.
export function pageApi(page, base) {
  return async (p, { method = 'GET', body } = {}) => page.evaluate(async ([u, m, b]) => {
    const headers = { Accept: 'application/json' };
    if (m !== 'GET') {
      const me = await (await fetch('/api/v1/auth/me')).json();
      headers['X-CSRF-Token'] = me.csrf_token;
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(u, { method: m, headers, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [`${base}/api/v1${p}`, method, body]);
}
