// End-to-end test of the web application over the real daemon (Playwright + Debian's Chromium).
//
// Scenario: accueil logs in → searches then creates a patient (a validation error from the API
// is shown next to its field first, then corrected) → its identity file (INSi unavailable,
// low-trust document refused) → books an appointment in a free slot →
// the API refuses "start" before arrival (its French message is shown) → marks the patient
// arrived → the exam tracking screen → role refusals (no Administration for accueil; the API
// refuses the audit log with its French message) → admin logs in → reference screens, creates
// a user, sees the audit entries of the scenario → session expiry brings back the login page.
// A screenshot of each screen goes to $COULOIR_BINARY_DIR/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, requireBrowser } from '../lib/browser.mjs';
import { startDaemon } from '../lib/daemon.mjs';
import { requireEnv } from '../lib/env.mjs';

const bin = requireEnv('COULOIR_BIN');
const sourceDir = requireEnv('COULOIR_SOURCE_DIR');
const shots = path.join(requireEnv('COULOIR_BINARY_DIR'), 'screenshots');
fs.mkdirSync(shots, { recursive: true });
fs.rmSync(path.join(shots, 'zz-failure.png'), { force: true });

const log = (...a) => console.log('[e2e]', ...a);
const suffix = Date.now().toString(36).slice(-4).toUpperCase().replace(/\d/g, (d) => 'ABCDEFGHIJ'[d]);
const BIRTH_NAME = `BERTHELOT-${suffix}`;

// A control's accessible name: its label, plus " *" when the field is mandatory.
const L = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`);

let daemon = null;
let browser = null;
let failed = false;

async function shot(page, name) {
  await page.waitForTimeout(150); // let the messages and layout settle
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  log(`screenshot ${name}.png`);
}

async function login(page, account) {
  await page.getByLabel(L('Identifiant')).fill(account.login);
  await page.getByLabel(L('Mot de passe')).fill(account.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.locator('header.topbar').waitFor();
}

async function logout(page) {
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
}

async function main() {
  await requireBrowser();
  daemon = await startDaemon({ bin, sourceDir, log });
  const { accounts, base } = daemon;
  browser = await launchBrowser();
  const page = browser.context.pages()[0] || await browser.context.newPage();

  // Nothing may be loaded from outside the machine, and the page must raise no script error.
  const foreign = [];
  const pageErrors = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  // ---- connexion --------------------------------------------------------------------------
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await page.getByLabel(L('Identifiant')).fill(accounts.accueil.login);
  await page.getByLabel(L('Mot de passe')).fill('mauvais-mot-de-passe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Identifiant ou mot de passe incorrect.').waitFor();
  await shot(page, '01-connexion-erreur');
  await login(page, accounts.accueil);

  // Navigation by role: accueil sees no Administration.
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  await nav.getByRole('link', { name: 'Accueil patients' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Administration' }).count(), 0, 'accueil must not see Administration');

  // ---- accueil: search, then create with a validation error first ------------------------------
  await page.getByRole('heading', { name: 'Accueil patients' }).waitFor();
  await page.getByLabel(L('Nom ou prénom')).fill(BIRTH_NAME);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByText('Aucun patient ne correspond à ces critères.').waitFor();

  await page.getByRole('button', { name: 'Nouveau patient' }).click();
  const dlg = page.getByRole('dialog', { name: 'Nouveau patient' });
  await dlg.getByLabel(L('Nom de naissance')).fill(BIRTH_NAME);
  await dlg.getByLabel(L('Premier prénom de naissance')).fill('Élodie');
  await dlg.getByLabel(L('Prénoms de naissance (liste complète)')).fill('Élodie Marie');
  await dlg.getByLabel(L('Date de naissance')).fill('1984-05-17');
  await dlg.getByLabel(L('Code INSEE du lieu de naissance')).fill('69123');
  // Sex left empty: the API answers missing_field on "sex", shown next to the field.
  await dlg.getByRole('button', { name: 'Créer le patient' }).click();
  const sexError = dlg.locator('[data-field="sex"] .field-error');
  await sexError.waitFor();
  assert.match(await sexError.textContent(), /Le champ « sexe » est obligatoire/);
  assert.equal(await dlg.getByLabel(L('Sexe')).getAttribute('aria-invalid'), 'true');
  await shot(page, '02-patient-erreur-validation');
  await dlg.getByLabel(L('Sexe')).selectOption('F');
  await dlg.getByRole('button', { name: 'Créer le patient' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#messages').getByText(`Patient créé : ${BIRTH_NAME} Élodie`).waitFor();
  const row = page.locator('tbody tr', { hasText: BIRTH_NAME });
  await row.waitFor();
  assert.match(await row.textContent(), /17\/05\/1984/);
  assert.match(await row.textContent(), /Provisoire/);
  const ipp = (await row.locator('td.mono').textContent()).trim();
  assert.match(ipp, /^\S+$/, 'the created patient has an IPP');
  assert.notEqual(ipp, '—');
  await shot(page, '03-accueil-patient-cree');

  // Edit the identity: only the changed field is sent; the row shows the used name.
  await row.getByRole('button', { name: /^Modifier l’identité de / }).click();
  const edlg = page.getByRole('dialog', { name: /^Modifier l’identité — / });
  await edlg.getByLabel(L('Nom utilisé')).fill('FAURE');
  await edlg.getByRole('button', { name: 'Enregistrer les modifications' }).click();
  await edlg.waitFor({ state: 'detached' });
  await row.getByRole('cell', { name: 'FAURE', exact: true }).waitFor();

  // A second search finds exactly one patient: the failed attempt left no duplicate behind.
  const api = (p, init) => page.evaluate(async ([u, i]) => {
    const r = await fetch(u, i);
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [`${base}/api/v1${p}`, init || {}]);
  const found = await api(`/identities?q=${encodeURIComponent(BIRTH_NAME)}`);
  assert.equal(found.status, 200);
  assert.equal(found.body.total, 1, 'one identity for the new patient');

  // ---- identity file: INSi is not configured on this daemon (503: its French reason is shown), and
  // a low-trust document cannot validate the identity (409: the rule problems are listed) -------
  await row.getByRole('link', { name: /^Identitovigilance et INSi pour / }).click();
  await page.getByRole('heading', { name: new RegExp(`^Identité — ${BIRTH_NAME}`) }).waitFor();
  const insiPanel = page.locator('section', { has: page.getByRole('heading', { name: 'Téléservice INSi' }) });
  await insiPanel.getByRole('button', { name: 'Interroger le téléservice INSi' }).click();
  await insiPanel.getByRole('alert').getByText(/^Téléservice INSi indisponible/).waitFor();
  const proofPanel = page.locator('section', { has: page.getByRole('heading', { name: 'Justificatif d’identité' }) });
  await proofPanel.getByLabel(L('Pièce d’identité présentée')).selectOption('CARTE_VITALE');
  await proofPanel.getByRole('checkbox', { name: 'Valider l’identité (pièce à haut niveau de confiance)' }).check();
  await proofPanel.getByRole('button', { name: 'Enregistrer le justificatif' }).click();
  await proofPanel.getByRole('alert').getByText(/^Validation de l'identité refusée/).waitFor();
  await page.locator('.page-head .badge', { hasText: 'Provisoire' }).waitFor();
  await shot(page, '03b-identite-insi-indisponible-justificatif-refuse');
  await page.getByRole('link', { name: '‹ Retour à la recherche de patients' }).click();
  await page.getByLabel(L('Nom ou prénom')).fill(BIRTH_NAME);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await row.waitFor();

  // ---- agenda: book in a free slot ------------------------------------------------------------
  await row.getByRole('link', { name: /Prendre rendez-vous/ }).click();
  const book = page.getByRole('dialog', { name: 'Nouveau rendez-vous' });
  await book.waitFor();
  await book.getByText(`${BIRTH_NAME} (FAURE) Élodie`).first().waitFor();
  const examSelect = book.getByLabel(L('Examen'));
  const firstExam = await examSelect.locator('option:not([value=""])').first().getAttribute('value');
  await examSelect.selectOption(firstExam);
  await book.getByRole('button', { name: 'Chercher les créneaux libres' }).click();
  const slot = book.locator('button.slot').first();
  await slot.waitFor();
  let slotStart = await slot.getAttribute('data-start');
  await shot(page, '04-agenda-creneaux-libres');
  await slot.click();
  await book.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
  await book.waitFor({ state: 'detached' });
  await page.locator('#messages').getByText(`Rendez-vous réservé : ${BIRTH_NAME}`).waitFor();
  const appt = page.locator('button.appt', { hasText: BIRTH_NAME });
  await appt.waitFor();
  await shot(page, '05-agenda-jour');

  // The appointment carries its order, procedure and scheduled step.
  const apptId = await appt.getAttribute('data-id');
  const apptRow = await api(`/appointments/${apptId}`);
  assert.equal(apptRow.body.start_at, slotStart);
  assert.ok(apptRow.body.step_id, 'the appointment is linked to a scheduled step');

  // ---- move to another free slot of the same room; the scheduled step follows --------------------
  await appt.click();
  await page.getByRole('dialog', { name: 'Rendez-vous' }).getByRole('button', { name: 'Déplacer…' }).click();
  const mv = page.getByRole('dialog', { name: /^Déplacer le rendez-vous/ });
  await mv.getByRole('button', { name: 'Chercher les créneaux libres' }).click();
  const target = mv.locator('button.slot').nth(1);
  await target.waitFor();
  const newStart = await target.getAttribute('data-start');
  assert.notEqual(newStart, slotStart);
  await target.click();
  await mv.waitFor({ state: 'detached' });
  await page.locator('#messages').getByText(/^Rendez-vous déplacé au /).waitFor();
  const moved = await api(`/appointments/${apptId}`);
  assert.equal(moved.body.start_at, newStart);
  assert.equal(moved.body.room_id, apptRow.body.room_id);
  assert.equal((await api(`/steps/${apptRow.body.step_id}`)).body.start_at, newStart);
  slotStart = newStart;
  await page.getByLabel(L('Date')).fill(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(newStart)));
  await page.locator('button.appt', { hasText: BIRTH_NAME }).waitFor();

  // ---- transitions: refusal first, then arrive --------------------------------------------------
  await appt.click();
  const detail = page.getByRole('dialog', { name: 'Rendez-vous' });
  await detail.getByRole('button', { name: 'Démarrer l’examen' }).click();
  await detail.getByRole('alert').getByText('Impossible de démarrer l\'examen : le patient n\'est pas encore arrivé.').waitFor();
  await shot(page, '06-rdv-refus-transition');
  await detail.getByRole('button', { name: 'Patient arrivé' }).click();
  await detail.locator('.badge', { hasText: 'Patient arrivé' }).waitFor();
  assert.equal(await detail.getByRole('alert').isHidden(), true);
  await shot(page, '07-rdv-patient-arrive');
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });
  const step = await api(`/steps/${apptRow.body.step_id}`);
  assert.equal(step.body.status, 'arrived', 'the scheduled step follows the appointment');

  await page.getByRole('button', { name: 'Semaine' }).click();
  await page.getByText(/^Semaine du /).waitFor();
  await page.getByLabel('Salle ou modalité', { exact: true }).selectOption(`room:${apptRow.body.room_id}`);
  await page.locator('button.appt', { hasText: BIRTH_NAME }).waitFor();
  await shot(page, '08-agenda-semaine');

  // ---- suivi des examens ----------------------------------------------------------------------
  await nav.getByRole('link', { name: 'Suivi des examens' }).click();
  await page.getByRole('heading', { name: 'Suivi des examens' }).waitFor();
  await page.getByText(/^Mis à jour à /).waitFor();
  // The day of the booking (today may be a closed day).
  const bookedDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(slotStart));
  await page.getByLabel('Jour', { exact: true }).fill(bookedDay);
  const trackRow = page.locator('tbody tr', { hasText: BIRTH_NAME });
  await trackRow.locator('.badge', { hasText: 'Patient arrivé' }).waitFor();
  const firstStamp = await page.getByText(/^Mis à jour à /).textContent();
  await page.waitForFunction((s) => !document.body.innerText.includes(s), firstStamp, { timeout: 12000 });
  await shot(page, '09-suivi-examens');

  // ---- role refusals ---------------------------------------------------------------------------
  await page.goto(`${base}/#/admin`);
  await page.locator('#messages').getByText(/Accès refusé : l’écran « Administration » est réservé/).waitFor();
  await page.getByRole('heading', { name: 'Accueil patients' }).waitFor();
  const refused = await api('/audit');
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'forbidden');
  assert.equal(refused.body.error.message, 'Accès refusé : votre rôle ne permet pas cette action.');
  await shot(page, '10-accueil-acces-refuse');

  // ---- manipulateur, keyboard only: agenda and exam tracking, read-only ------------------------------
  await logout(page);
  if (accounts.manipulateur) {
    await page.getByLabel('Identifiant', { exact: true }).focus();
    await page.keyboard.type(accounts.manipulateur.login);
    await page.keyboard.press('Tab');
    await page.keyboard.type(accounts.manipulateur.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Agenda' }).waitFor();
    const links = await nav.getByRole('link').allTextContents();
    assert.deepEqual(links, ['Agenda', 'Suivi des examens', 'Comptes rendus'], 'manipulateur menu (reports read-only)');
    assert.equal(await page.getByRole('button', { name: 'Nouveau rendez-vous' }).count(), 0, 'no booking for manipulateur');
    await page.getByLabel('Date', { exact: true }).fill(bookedDay);
    await page.locator('button.appt', { hasText: BIRTH_NAME }).focus();
    await page.keyboard.press('Enter');
    const ro = page.getByRole('dialog', { name: 'Rendez-vous' });
    await ro.getByText('Patient arrivé').waitFor();
    assert.equal(await ro.getByRole('button', { name: 'Démarrer l’examen' }).count(), 0, 'transitions are for accueil');
    await shot(page, '11-manipulateur-agenda');
    await page.keyboard.press('Escape');
    await logout(page);
  }

  // ---- administration -------------------------------------------------------------------------
  await login(page, accounts.admin);
  await page.getByRole('heading', { name: 'Administration — Sites' }).waitFor();
  await page.locator('tbody tr').first().waitFor();
  await shot(page, '12-admin-sites');
  for (const [tab, file] of [['Salles', '13-admin-salles'], ['Modalités', '14-admin-modalites'], ['Catalogue d’examens', '15-admin-catalogue'], ['Correspondants', '16-admin-correspondants']]) {
    await page.getByRole('navigation', { name: 'Rubriques d’administration' }).getByRole('link', { name: tab }).click();
    await page.getByRole('heading', { name: `Administration — ${tab}` }).waitFor();
    await page.locator('.table-status').filter({ hasText: /sur|0 résultat/ }).waitFor();
    await shot(page, file);
  }

  // A generated form: a modality whose AE title is already taken is refused by the API (message
  // shown in the form), then created with a free one.
  const adminTabs = page.getByRole('navigation', { name: 'Rubriques d’administration' });
  await adminTabs.getByRole('link', { name: 'Modalités' }).click();
  await page.getByRole('heading', { name: 'Administration — Modalités' }).waitFor();
  const takenAe = (await page.locator('tbody tr td.mono').first().textContent()).trim();
  await page.getByRole('button', { name: 'Nouvelle modalité' }).click();
  const mdlg = page.getByRole('dialog', { name: 'Nouvelle modalité' });
  await mdlg.getByLabel(L('AE title')).fill(takenAe);
  await mdlg.getByLabel(L('Type de modalité')).selectOption('US');
  await mdlg.getByRole('button', { name: 'Créer' }).click();
  await mdlg.getByRole('alert').filter({ hasText: /existe déjà|Conflit/ }).waitFor();
  await mdlg.getByLabel(L('AE title')).fill(`US_E2E_${suffix}`);
  await mdlg.getByRole('button', { name: 'Créer' }).click();
  await mdlg.waitFor({ state: 'detached' });
  await page.locator('tbody tr', { hasText: `US_E2E_${suffix}` }).waitFor();

  // Users: create an account with a password and a role, then change its roles.
  await adminTabs.getByRole('link', { name: 'Utilisateurs' }).click();
  await page.getByRole('heading', { name: 'Administration — Utilisateurs' }).waitFor();
  await page.getByRole('button', { name: 'Nouveau compte' }).click();
  const udlg = page.getByRole('dialog', { name: 'Nouveau compte utilisateur' });
  const newLogin = `e2e.${suffix.toLowerCase()}`;
  await udlg.getByLabel(L('Identifiant de connexion')).fill(newLogin);
  await udlg.getByLabel(L('Nom affiché')).fill('Manipulateur E2E');
  await udlg.getByLabel(L('Mot de passe initial')).fill('court');
  await udlg.getByLabel(L('Manipulateur')).check();
  await udlg.getByRole('button', { name: 'Créer le compte' }).click();
  await udlg.locator('[data-field="password"] .field-error').getByText(/Le mot de passe doit compter entre/).waitFor();
  await udlg.getByLabel(L('Mot de passe initial')).fill('un-mot-de-passe-solide');
  await udlg.getByRole('button', { name: 'Créer le compte' }).click();
  await udlg.waitFor({ state: 'detached' });
  await page.locator('#messages').getByText(`Compte « ${newLogin} » créé.`).waitFor();
  const userRow = page.locator('tbody tr', { hasText: newLogin });
  await userRow.waitFor();
  await userRow.getByRole('button', { name: `Changer les rôles de ${newLogin}` }).click();
  const rdlg = page.getByRole('dialog', { name: /^Rôles de Manipulateur E2E/ });
  await rdlg.getByLabel('Radiologue', { exact: true }).check();
  await rdlg.getByRole('button', { name: 'Enregistrer les rôles' }).click();
  await rdlg.waitFor({ state: 'detached' });
  await userRow.locator('.badge', { hasText: 'Radiologue' }).waitFor();
  await userRow.locator('.badge', { hasText: 'Manipulateur' }).waitFor();
  await shot(page, '17-admin-utilisateurs');

  // Audit log: the scenario's transitions are there, filtered by action, with pagination.
  await adminTabs.getByRole('link', { name: 'Journal d’audit' }).click();
  await page.getByRole('heading', { name: 'Administration — Journal d’audit' }).waitFor();
  const auditStatus = page.locator('.table-status');
  await auditStatus.filter({ hasText: /^1–25 sur \d+$/ }).waitFor();
  await page.getByRole('button', { name: 'Suivant ›' }).click();
  await auditStatus.filter({ hasText: /^26–\d+ sur \d+$/ }).waitFor();
  await page.getByLabel(L('Action')).selectOption('transition');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.getByRole('cell', { name: 'arrive: booked -> arrived' }).waitFor();
  await page.getByRole('cell', { name: 'start refusé depuis booked' }).waitFor();
  const auditText = await page.locator('table.table').textContent();
  assert.match(auditText, /Refusé/);
  assert.match(auditText, new RegExp(accounts.accueil.login));
  await shot(page, '18-admin-journal-audit');

  // ---- session expiry: the session disappears, the next call brings back the login page ----------
  await browser.context.clearCookies();
  await adminTabs.getByRole('link', { name: 'Sites' }).click();
  await page.getByText('Votre session a expiré : veuillez vous reconnecter.').waitFor();
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await shot(page, '19-session-expiree');

  assert.deepEqual(foreign, [], 'no request may leave the machine');
  assert.deepEqual(pageErrors, [], 'no script error in the page');
}

try {
  await main();
  log('OK');
} catch (e) {
  failed = true;
  console.error('[e2e] FAILED:', e && e.stack ? e.stack : e);
  if (browser) {
    const page = browser.context.pages()[0];
    if (page) await page.screenshot({ path: path.join(shots, 'zz-failure.png') }).catch(() => {});
  }
} finally {
  if (browser) await browser.close();
  if (daemon) {
    const { clean, exited, killed, output } = await daemon.stop();
    if (!clean) {
      console.error(`[e2e] the daemon did not stop cleanly on SIGTERM (${killed ? 'killed after 10 s' : JSON.stringify(exited)})`);
      failed = true;
    }
    if (failed) console.error(`[e2e] daemon output:\n${output}`);
  }
}
process.exit(failed ? 1 : 0);
