// End-to-end scenario of issue 7 over the real daemon (Playwright + Debian's Chromium), with the
// INSi stand-in (couloir-insi-sim over mutual TLS), DCMTK findscu and an MPPS sent by npm
// dcmjs-dimse:
//   admin: HL7 destination for reports, report templates
//   accueil: creates a patient → qualifies the identity (INSi search, acceptance, identity
//     document) → books → marks arrived → findscu -W sees the step → MPPS IN PROGRESS then
//     COMPLETED → the reports screen refuses accueil (the API's message)
//   radiologue: writes the report from the to-do list and saves it
//   manipulateur: reads it, cannot validate (the UI offers nothing, the API refuses)
//   radiologue: validates → documents and sharing status → downloads the PDF (pdftotext finds
//     the patient) → the HL7 destination being down, its line says so (waiting, French error) →
//     records the announcement → retries a share → the destination up, retries its line: sent
//     → corrects the report (version 2)
//     → withdraws it → admin sees the outbound HL7 messages and retries one; an inbound ADT without
//     birth date (AE, failed) is corrected and reprocessed from the HL7 inbox screen.
// A screenshot of each new screen goes to $COULOIR_BINARY_DIR/screenshots/ (files 20-…).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, requireBrowser } from '../lib/browser.mjs';
import { startDaemon } from '../lib/daemon.mjs';
import { freePort, requireEnv, skipOrFail, sleep } from '../lib/env.mjs';
import { startInsiSim } from '../lib/insi.mjs';
import { ackCode, mllpSend } from '../lib/mllp.mjs';
import { L, login, logout, makeShot, pageApi } from '../lib/steps.mjs';

const bin = requireEnv('COULOIR_BIN');
const sourceDir = requireEnv('COULOIR_SOURCE_DIR');
const shots = path.join(requireEnv('COULOIR_BINARY_DIR'), 'screenshots');
fs.mkdirSync(shots, { recursive: true });
fs.rmSync(path.join(shots, 'zz-failure-scenario.png'), { force: true });
const log = (...a) => console.log('[e2e-scenario]', ...a);
const shot = makeShot(shots, log);

// The identity the INSi stand-in knows (sim/insi/identities.tsv): answer 00.
const P = { birth: 'ECETINSI', first: 'PIERRE-ALAIN', names: 'PIERRE-ALAIN MURIEL FLORIANT', dob: '2009-07-14', sex: 'M', cog: '63220', ins: '109076322083489' };

function requireTools() {
  for (const tool of ['findscu', 'pdftotext']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error) skipOrFail(`${tool} is missing (deps/apt/test-e2e.txt: dcmtk, poppler-utils)`);
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path.join(sourceDir, 'tests/node_modules/dcmjs-dimse'));
  } catch {
    return skipOrFail('npm package dcmjs-dimse is missing: run `cd tests && npm install`');
  }
}

// findscu -W from the modality's AE title: the worklist answers, dumped to the log.
function worklist(port, aet) {
  const r = spawnSync('findscu', ['-W', '-to', '10', '-aet', aet, '-aec', 'COULOIR', '+sr',
    '-k', 'PatientName', '-k', 'PatientID', '-k', 'AccessionNumber',
    '-k', 'ScheduledProcedureStepSequence[0].ScheduledProcedureStepID',
    '-k', 'ScheduledProcedureStepSequence[0].ScheduledStationAETitle',
    '127.0.0.1', String(port)], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, text: `${r.stdout}${r.stderr}` };
}

const E2E_SERIES = '1.2.250.1.999.77.9.1';

// MPPS N-CREATE (IN PROGRESS) then N-SET (COMPLETED) for one scheduled step, as a modality does.
function mpps(dimse, port, aet, spsId, modality) {
  const { Client, Dataset } = dimse;
  dimse.log.setLevel('warn');
  const { NCreateRequest, NSetRequest } = dimse.requests;
  const MPPS = '1.2.840.10008.3.1.2.3.3';
  const uid = `1.2.250.1.999.77.${Date.now()}`;
  const now = new Date();
  const da = now.toISOString().slice(0, 10).replace(/-/g, '');
  const create = new NCreateRequest(MPPS, uid);
  create.setDataset(new Dataset({
    SpecificCharacterSet: 'ISO_IR 192', PerformedProcedureStepStatus: 'IN PROGRESS', PerformedProcedureStepID: 'E2E1',
    PerformedStationAETitle: aet, PerformedProcedureStepStartDate: da, PerformedProcedureStepStartTime: '083500',
    Modality: modality, ScheduledStepAttributesSequence: [{ ScheduledProcedureStepID: spsId }],
  }));
  const set = new NSetRequest(MPPS, uid);
  set.setDataset(new Dataset({
    PerformedProcedureStepStatus: 'COMPLETED', PerformedProcedureStepEndDate: da, PerformedProcedureStepEndTime: '084500',
    // the images produced: the report's DICOM object catalog names the first one
    PerformedSeriesSequence: [{ SeriesInstanceUID: E2E_SERIES, Modality: modality, ReferencedImageSequence: [
      { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: `${E2E_SERIES}.1` }] }],
  }));
  return new Promise((resolve, reject) => {
    const client = new Client();
    const out = [];
    for (const r of [create, set]) {
      r.on('response', (rsp) => out.push(rsp.getStatus()));
      client.addRequest(r);
    }
    const timer = setTimeout(() => reject(new Error('MPPS: no answer within 20 s')), 20000);
    client.on('networkError', (e) => { clearTimeout(timer); reject(e); });
    client.on('associationRejected', (r) => { clearTimeout(timer); reject(new Error(`MPPS association rejected ${JSON.stringify(r)}`)); });
    client.on('closed', () => { clearTimeout(timer); resolve(out); });
    client.send('127.0.0.1', port, aet, 'COULOIR');
  });
}

// An MLLP peer on 127.0.0.1:port answering AA to every message (the HL7 destination coming up).
function startMllpPeer(port) {
  const received = [];
  const sockets = new Set();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (let end = buf.indexOf(0x1c); end >= 0; end = buf.indexOf(0x1c)) {
        const msg = buf.subarray(buf.indexOf(0x0b) + 1, end).toString('utf8');
        buf = buf.subarray(end + 2);
        received.push(msg);
        const msh = msg.split('\r')[0].split('|');
        const ack = `MSH|^~\\&|PACS||${msh[2]}||20260101000000||ACK|A${msh[9]}|P|${msh[11]}\rMSA|AA|${msh[9]}\r`;
        sock.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(ack, 'utf8'), Buffer.from([0x1c, 0x0d])]));
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      received,
      close: () => new Promise((r) => { for (const x of sockets) x.destroy(); server.close(() => r()); }),
    }));
  });
}

let daemon = null;
let sim = null;
let peer = null;
let browser = null;
let failed = false;

async function main() {
  await requireBrowser();
  const dimse = requireTools();
  sim = await startInsiSim({ log });
  daemon = await startDaemon({ bin, sourceDir, log, extraEnv: sim.env });
  const { accounts, base } = daemon;
  for (const role of ['manipulateur', 'radiologue']) assert.ok(accounts[role], `couloir demo prints a ${role} account`);
  browser = await launchBrowser();
  const page = browser.context.pages()[0] || await browser.context.newPage();
  const api = pageApi(page, base);
  const foreign = [];
  const pageErrors = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  const messages = page.locator('#messages');

  // ---- admin: an HL7 destination that receives reports (nothing listens on its port) ------------
  await page.goto(`${base}/`);
  await login(page, accounts.admin);
  const adminTabs = page.getByRole('navigation', { name: 'Rubriques d’administration' });
  await adminTabs.getByRole('link', { name: 'Destinations HL7' }).click();
  await page.getByRole('heading', { name: 'Administration — Destinations HL7' }).waitFor();
  await page.getByRole('button', { name: 'Nouvelle destination' }).click();
  const ddlg = page.getByRole('dialog', { name: 'Nouvelle destination HL7' });
  const closedPort = await freePort();
  await ddlg.getByLabel(L('Nom')).fill('PACS E2E');
  await ddlg.getByLabel(L('Hôte (adresse IP ou nom)')).fill('127.0.0.1');
  await ddlg.getByLabel(L('Port TCP (MLLP)')).fill(String(closedPort));
  await ddlg.getByLabel(L('Application destinataire (MSH-5)')).fill('PACS');
  await ddlg.getByRole('button', { name: 'Créer la destination' }).click();
  await ddlg.waitFor({ state: 'detached' });
  const destRow = page.locator('tbody tr', { hasText: 'PACS E2E' });
  await destRow.waitFor();
  assert.match(await destRow.textContent(), new RegExp(`127\\.0\\.0\\.1:${closedPort}`));
  await shot(page, '20-admin-destinations-hl7');
  await adminTabs.getByRole('link', { name: 'Modèles de compte rendu' }).click();
  await page.getByRole('heading', { name: 'Administration — Modèles de compte rendu' }).waitFor();
  await page.locator('.table-status').filter({ hasText: /sur|0 résultat/ }).waitFor();
  await shot(page, '21-admin-modeles-cr');
  // Templates: duplicate one (the section form and the coding JSON go back to the API), then delete the copy.
  const firstCode = (await page.locator('tbody tr td.mono').first().textContent()).trim();
  await page.getByRole('button', { name: `Dupliquer le modèle ${firstCode}` }).click();
  const tdlg = page.getByRole('dialog', { name: 'Nouveau modèle de compte rendu' });
  await tdlg.getByLabel(L('Code')).fill('E2E-COPIE');
  await tdlg.getByLabel(L('Libellé')).fill('Modèle de test E2E');
  await shot(page, '21b-admin-modele-cr-edition');
  await tdlg.getByRole('button', { name: 'Créer le modèle' }).click();
  await tdlg.waitFor({ state: 'detached' });
  const copyRow = page.locator('tbody tr', { hasText: 'E2E-COPIE' });
  await copyRow.getByText('Modèle de test E2E').waitFor();
  page.once('dialog', (d) => d.accept());
  await copyRow.getByRole('button', { name: 'Supprimer le modèle E2E-COPIE' }).click();
  await copyRow.waitFor({ state: 'detached' });
  // A second radiologist, to be asked for an opinion.
  const reviewer = await api('/users', { method: 'POST', body: { login: 'radio.relecteur', display_name: 'Dr Paul Relecteur', password: 'relecteur-e2e-2026', roles: ['radiologue'], active: true } });
  assert.equal(reviewer.status, 201, JSON.stringify(reviewer.body));
  await logout(page);

  // ---- accueil: create the patient, then qualify the identity through INSi ---------------------------
  await login(page, accounts.accueil);
  assert.equal(await nav.getByRole('link', { name: 'Comptes rendus' }).count(), 0, 'accueil has no reports menu');
  await page.getByRole('button', { name: 'Nouveau patient' }).click();
  const dlg = page.getByRole('dialog', { name: 'Nouveau patient' });
  await dlg.getByLabel(L('Nom de naissance')).fill(P.birth);
  await dlg.getByLabel(L('Premier prénom de naissance')).fill(P.first);
  await dlg.getByLabel(L('Prénoms de naissance (liste complète)')).fill(P.names);
  await dlg.getByLabel(L('Date de naissance')).fill(P.dob);
  await dlg.getByLabel(L('Sexe')).selectOption(P.sex);
  await dlg.getByLabel(L('Code INSEE du lieu de naissance')).fill(P.cog);
  await dlg.getByRole('button', { name: 'Créer le patient' }).click();
  await dlg.waitFor({ state: 'detached' });
  const row = page.locator('tbody tr', { hasText: P.birth });
  await row.locator('.badge', { hasText: 'Provisoire' }).waitFor();
  await row.getByRole('link', { name: `Identitovigilance et INSi pour ${P.birth} ${P.first}` }).click();
  await page.getByRole('heading', { name: `Identité — ${P.birth} ${P.first}` }).waitFor();
  await page.getByText('aucun justificatif enregistré').waitFor();
  await page.getByRole('button', { name: 'Interroger le téléservice INSi' }).click();
  const result = page.locator('.insi-result');
  await result.locator('.badge', { hasText: 'Identité trouvée (00)' }).waitFor();
  assert.match(await result.textContent(), new RegExp(P.ins), 'the INS returned by INSi is shown');
  await shot(page, '22-identite-retour-insi');
  await result.getByRole('button', { name: 'Intégrer l’identité INSi' }).click();
  await messages.getByText(/Identité récupérée/).waitFor();
  const headBadges = page.locator('.page-head .badges');
  await headBadges.locator('.badge', { hasText: 'Récupérée' }).waitFor();
  await page.getByLabel(L('Pièce d’identité présentée')).selectOption('PASSEPORT');
  await page.getByRole('checkbox', { name: 'Valider l’identité (pièce à haut niveau de confiance)' }).check();
  await page.getByRole('button', { name: 'Enregistrer le justificatif' }).click();
  await messages.getByText(/Justificatif PASSEPORT enregistré/).waitFor();
  await headBadges.locator('.badge', { hasText: 'Qualifiée' }).waitFor();
  const hist = page.locator('section', { has: page.getByRole('heading', { name: 'Historique de l’identité' }) });
  await hist.getByRole('cell', { name: 'Qualifiée', exact: true }).first().waitFor();
  const traces = page.locator('section', { has: page.getByRole('heading', { name: 'Appels au téléservice INSi' }) });
  await traces.locator('.badge', { hasText: 'Identité trouvée (00)' }).first().waitFor();
  await shot(page, '23-identite-qualifiee-historique');

  // ---- book, arrive ---------------------------------------------------------------------------------
  await page.getByRole('link', { name: '‹ Retour à la recherche de patients' }).click();
  await page.getByLabel(L('Nom ou prénom')).fill(P.birth);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await row.locator('.badge', { hasText: 'Qualifiée' }).waitFor();
  await row.getByRole('link', { name: /Prendre rendez-vous/ }).click();
  const book = page.getByRole('dialog', { name: 'Nouveau rendez-vous' });
  const examSelect = book.getByLabel(L('Examen'));
  await examSelect.locator('option:not([value=""])').first().waitFor({ state: 'attached' });
  // A scanner exam (the demo templates cover CT); the first exam otherwise.
  const options = await examSelect.locator('option:not([value=""])').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  const exam = options.find(([, t]) => /Scanographie du thorax/i.test(t)) || options[0];
  await examSelect.selectOption(exam[0]);
  await book.getByRole('button', { name: 'Chercher les créneaux libres' }).click();
  await book.locator('button.slot').first().click();
  await book.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
  await book.waitFor({ state: 'detached' });
  const appt = page.locator('button.appt', { hasText: P.birth });
  await appt.waitFor();
  const apptId = await appt.getAttribute('data-id');
  await appt.click();
  const detail = page.getByRole('dialog', { name: 'Rendez-vous' });
  await detail.getByRole('button', { name: 'Patient arrivé' }).click();
  await detail.locator('.badge', { hasText: 'Patient arrivé' }).waitFor();
  await page.keyboard.press('Escape');
  const appointment = (await api(`/appointments/${apptId}`)).body;
  const step = (await api(`/steps/${appointment.step_id}`)).body;
  const procedure = (await api(`/procedures/${step.procedure_id}`)).body;
  assert.equal(step.status, 'arrived');
  assert.ok(step.sps_id && procedure.accession_number, 'the step has its SPS id and accession number');
  let aet = step.ae_title;
  if (!aet) {
    const mods = (await api('/modalities?limit=1000')).body.items;
    aet = (mods.find((m) => m.id === step.modality_id) || mods.find((m) => m.room_id === appointment.room_id)).ae_title;
  }
  log(`step ${step.sps_id}, accession ${procedure.accession_number}, modality ${aet}`);

  // ---- the modality: worklist (findscu -W), then MPPS ---------------------------------------------
  const wl = worklist(daemon.dicomPort, aet);
  assert.equal(wl.status, 0, `findscu -W failed:\n${wl.text}`);
  assert.match(wl.text, new RegExp(`${P.birth}\\^${P.first}`), `the worklist names the patient:\n${wl.text}`);
  assert.match(wl.text, new RegExp(`\\[${procedure.accession_number}\\]`), 'the worklist gives the accession number');
  assert.match(wl.text, new RegExp(`\\[${step.sps_id}\\]`), 'the worklist gives the scheduled step');
  const statuses = await mpps(dimse, daemon.dicomPort, aet, step.sps_id, step.modality_type || 'CT');
  assert.deepEqual(statuses, [0, 0], 'MPPS N-CREATE and N-SET COMPLETED accepted');
  let done = null;
  for (let i = 0; i < 50 && (!done || done.status !== 'completed'); i++) {
    done = (await api(`/steps/${appointment.step_id}`)).body;
    if (done.status !== 'completed') await sleep(100);
  }
  assert.equal(done.status, 'completed', 'the MPPS completed the step');

  // ---- accueil cannot open reports: the API's refusal is shown ------------------------------------
  await page.goto(`${base}/#/comptes-rendus`);
  await page.getByRole('heading', { name: 'Comptes rendus', exact: true }).waitFor();
  const refusal = await api('/reports');
  assert.equal(refusal.status, 403);
  assert.match(refusal.body.error.message, /^Accès refusé/);
  await page.locator('main').getByRole('alert').getByText(refusal.body.error.message, { exact: true }).waitFor();
  await shot(page, '24-accueil-comptes-rendus-refuse');
  await logout(page);

  // ---- radiologue: writes the report from the to-do list ----------------------------------------------
  await login(page, accounts.radiologue);
  await page.getByRole('heading', { name: 'Comptes rendus', exact: true }).waitFor();
  const todo = page.locator('section', { has: page.getByRole('heading', { name: 'Examens à interpréter' }) });
  const todoRow = todo.locator('tbody tr', { hasText: P.birth });
  await todoRow.waitFor();
  await shot(page, '25-radiologue-examens-a-interpreter');
  await todoRow.getByRole('button', { name: /^Rédiger le compte rendu de / }).click();
  await page.getByRole('heading', { name: /^Compte rendu — / }).waitFor();
  const reportId = Number(new URL(page.url()).hash.split('/').pop());
  assert.ok(reportId > 0, 'the editor address names the report');
  const section = (key) => page.locator(`[data-section="${key}"] textarea`);
  const texts = {
    indication: 'Toux persistante depuis trois semaines.',
    technique: 'Acquisition hélicoïdale thoracique sans injection.',
    resultats: 'Pas de nodule ni de condensation. Pas d’épanchement pleural.',
    conclusion: 'Scanner thoracique normal.',
  };
  for (const [k, v] of Object.entries(texts)) if (await section(k).count()) await section(k).fill(v);
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await messages.getByText('Compte rendu enregistré.').waitFor();
  const saved = (await api(`/reports/${reportId}`)).body;
  assert.equal(saved.status, 'brouillon');
  assert.equal(saved.sections.conclusion, texts.conclusion, 'the text is saved');
  await shot(page, '26-compte-rendu-redaction', { top: true });
  await logout(page);

  // ---- manipulateur: read-only; validation refused ----------------------------------------------------
  await login(page, accounts.manipulateur);
  await nav.getByRole('link', { name: 'Comptes rendus' }).click();
  const all = page.locator('section', { has: page.getByRole('heading', { name: 'Tous les comptes rendus' }) });
  const listRow = all.locator('tbody tr', { hasText: P.birth });
  await listRow.locator('.badge', { hasText: 'Brouillon' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Rédiger/ }).count(), 0, 'no writing for manipulateur');
  await shot(page, '27-manipulateur-comptes-rendus');
  await listRow.getByRole('link', { name: /^Ouvrir le compte rendu de / }).click();
  await page.getByRole('heading', { name: /^Compte rendu — / }).waitFor();
  await page.getByText(texts.conclusion).waitFor();
  assert.equal(await page.locator('textarea').count(), 0, 'no editing for manipulateur');
  assert.equal(await page.getByRole('button', { name: 'Valider le compte rendu' }).count(), 0, 'no validation for manipulateur');
  const refusedValidate = await api(`/reports/${reportId}/validate`, { method: 'POST', body: {} });
  assert.equal(refusedValidate.status, 403, 'the API refuses validation by a manipulateur');
  await shot(page, '28-manipulateur-compte-rendu-lecture', { top: true });
  await logout(page);

  // ---- radiologue: validates, documents and sharing, PDF ---------------------------------------------
  await login(page, accounts.radiologue);
  await page.goto(`${base}/#/comptes-rendus/${reportId}`);
  // Asking for an opinion: the author alone is refused (the API's message in the dialog), then a
  // second radiologist; back to draft afterwards.
  await page.getByRole('button', { name: 'Demander un avis (provisoire)' }).click();
  const rdlg = page.getByRole('dialog', { name: 'Demander un avis' });
  const readers = rdlg.getByLabel(L('Radiologues relecteurs (identifiants)'));
  await readers.fill(accounts.radiologue.login);
  await rdlg.getByRole('button', { name: 'Passer en provisoire' }).click();
  await rdlg.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
  await shot(page, '29-compte-rendu-avis-refuse');
  assert.equal((await api(`/reports/${reportId}`)).body.status, 'brouillon', 'the refused request left the report as it was');
  await readers.fill('radio.relecteur');
  await rdlg.getByRole('button', { name: 'Passer en provisoire' }).click();
  await rdlg.waitFor({ state: 'detached' });
  await page.locator('.report-status .badge', { hasText: 'Provisoire' }).waitFor();
  await page.getByText('Avis demandé à : radio.relecteur').waitFor();
  await page.getByRole('button', { name: 'Repasser en brouillon' }).click();
  await page.locator('.report-status .badge', { hasText: 'Brouillon' }).waitFor();
  // The announcement to the patient is still to be made: validated, then recorded.
  await page.getByRole('checkbox', { name: 'Annonce au patient à faire avant diffusion' }).check();
  await page.getByRole('button', { name: 'Valider le compte rendu' }).click();
  await messages.getByText(/^Compte rendu validé/).waitFor();
  await page.locator('.report-status .badge', { hasText: 'Validé' }).waitFor();
  await page.locator('.report-status .badge', { hasText: 'Annonce au patient à faire' }).waitFor();
  const pdfLink = page.getByRole('link', { name: 'Télécharger le PDF validé' });
  await pdfLink.waitFor();
  const shares = page.locator('section', { has: page.getByRole('heading', { name: 'Diffusion' }) });
  await shares.locator('tbody tr').first().waitFor();
  await shot(page, '30-compte-rendu-valide-diffusion', { top: true, fullPage: true });
  const pdf = await browser.context.request.get(new URL(await pdfLink.getAttribute('href'), base).toString());
  assert.equal(pdf.status(), 200);
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the download is a PDF');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'couloir-e2e-pdf-'));
  try {
    fs.writeFileSync(path.join(tmp, 'cr.pdf'), bytes);
    const txt = spawnSync('pdftotext', ['-enc', 'UTF-8', path.join(tmp, 'cr.pdf'), '-'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(txt.status, 0, txt.stderr);
    assert.match(txt.stdout, new RegExp(P.birth), 'pdftotext finds the patient name in the PDF');
    assert.match(txt.stdout, /Scanner thoracique normal/, 'pdftotext finds the conclusion');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const validated = (await api(`/reports/${reportId}`)).body;
  assert.equal(validated.status, 'valide');
  assert.ok(validated.documents.some((d) => d.kind === 'PDF') && validated.documents.some((d) => d.kind === 'CDA-N1'), 'PDF and CDA stored');
  const n3 = await browser.context.request.get(new URL(`/api/v1/reports/${reportId}/cda-n3`, base).toString());
  assert.equal(n3.status(), 200);
  const n3text = await n3.text();
  assert.ok(n3text.includes(`<id root="${E2E_SERIES}"/>`) && n3text.includes(`<id root="${E2E_SERIES}.1"/>`),
    'the CDA N3 object catalog names the series and image the modality reported by MPPS');

  // Sharing: the HL7 channel follows each destination the report is fanned out to. "PACS E2E" is
  // down: the channel waits, its line shows the French error; MSSanté has no sender yet and
  // waits: "Relancer" makes its job due now.
  const hl7Share = async () => (await api(`/reports/${reportId}`)).body.shares.find((x) => x.channel === 'hl7') || {};
  let hl7 = {};
  for (let i = 0; i < 100 && !((hl7.destinations || [])[0]?.attempts >= 1); i++) {
    hl7 = await hl7Share();
    if (!((hl7.destinations || [])[0]?.attempts >= 1)) await sleep(200);
  }
  assert.equal(hl7.status, 'pending', `the destination being down, HL7 waits: ${JSON.stringify(hl7)}`);
  assert.equal(hl7.destinations.length, 1, 'one destination receives reports');
  assert.equal(hl7.destinations[0].destination.name, 'PACS E2E');
  assert.match(hl7.last_error, /injoignable/, 'the channel shows the error of its destination');
  assert.equal(hl7.job_id, hl7.destinations[0].job_id, 'the job to retry is the destination’s');
  // The announcement made, the patient's channels are released (the panel is drawn again).
  await page.getByRole('button', { name: 'Annonce faite au patient' }).click();
  await messages.getByText(/^Annonce au patient enregistrée/).waitFor();
  assert.equal((await api(`/reports/${reportId}`)).body.flags.announcement_pending, false, 'announcement recorded');
  const destLine = shares.locator('tr.share-destination', { hasText: 'PACS E2E' });
  await destLine.locator('.badge', { hasText: 'En attente' }).waitFor();
  await destLine.getByText(/injoignable/).waitFor();
  await shares.locator('tr[data-channel="hl7"]').getByText('destination non servie', { exact: true }).waitFor();
  assert.equal(await shares.locator('tr[data-channel="hl7"]').getByRole('button').count(), 0,
    'HL7 is retried per destination, not as a whole');
  await shot(page, '30b-compte-rendu-diffusion-hl7-en-attente', { top: true, fullPage: true });
  await shares.locator('tr[data-channel="mssante"]').getByRole('button', { name: 'Relancer l’envoi MSSanté' }).click();
  await messages.getByText(/^Envoi MSSanté relancé/).waitFor();
  // The destination comes up; "Relancer" on its line (the outbox back-off may deliver first: then
  // the API answers that it already went through).
  peer = await startMllpPeer(closedPort);
  await destLine.getByRole('button', { name: 'Relancer l’envoi HL7 vers « PACS E2E »' }).click();
  await messages.getByText(/^Envoi HL7 vers « PACS E2E » relancé|déjà abouti/).waitFor();
  for (let i = 0; i < 100 && hl7.status !== 'sent'; i++) {
    hl7 = await hl7Share();
    if (hl7.status !== 'sent') await sleep(200);
  }
  assert.equal(hl7.status, 'sent', `delivered once the destination is up: ${JSON.stringify(hl7)}`);
  assert.ok(peer.received.some((m) => m.includes('ORU^R01')), 'the ORU^R01 reached the destination');
  await page.reload();
  await shares.locator('tr[data-channel="hl7"] .badge', { hasText: 'Envoyé' }).waitFor();
  await destLine.locator('.badge', { hasText: 'Envoyé' }).waitFor();
  await shares.locator('tr[data-channel="hl7"]').getByText('destination servie', { exact: true }).waitFor();
  await shot(page, '30c-compte-rendu-diffusion-hl7-envoye', { top: true, fullPage: true });

  // Correction: a new version that replaces the validated one.
  await page.getByRole('button', { name: 'Corriger', exact: true }).click();
  await section('conclusion').fill('Scanner thoracique normal. Pas d’adénopathie médiastinale.');
  await page.getByLabel(L('Addendum (motif de la correction)')).fill('Précision sur le médiastin.');
  await shot(page, '31-compte-rendu-correction', { top: true });
  await page.getByRole('button', { name: 'Valider la correction' }).click();
  await messages.getByText(/^Correction validée/).waitFor();
  await page.locator('.report-status .badge', { hasText: 'Corrigé' }).waitFor();
  const corrected = (await api(`/reports/${reportId}`)).body;
  assert.equal(corrected.status, 'corrige');
  assert.equal(corrected.version, 2);
  assert.ok(corrected.documents.some((d) => d.kind === 'PDF' && d.version === 2), 'a PDF for version 2');
  // Withdrawal, with its reason: final.
  await page.getByRole('button', { name: 'Retirer', exact: true }).click();
  const wdlg = page.getByRole('dialog', { name: 'Retirer le compte rendu' });
  await wdlg.getByLabel(L('Motif du retrait')).fill('Examen attribué au mauvais patient.');
  await wdlg.getByRole('button', { name: 'Retirer le compte rendu' }).click();
  await wdlg.waitFor({ state: 'detached' });
  await page.locator('.report-status .badge', { hasText: 'Retiré' }).waitFor();
  assert.equal((await api(`/reports/${reportId}`)).body.status, 'retire');
  assert.equal(await page.getByRole('button', { name: 'Corriger', exact: true }).count(), 0, 'nothing more to do on a withdrawn report');
  await shot(page, '32-compte-rendu-retire', { top: true });
  await logout(page);

  // ---- admin: the outbound HL7 messages of the report; retry one ------------------------------------
  await login(page, accounts.admin);
  await page.goto(`${base}/#/admin/hl7-emis`);
  await page.getByRole('heading', { name: 'Administration — Messages HL7 émis' }).waitFor();
  const outRow = page.locator('tbody tr', { hasText: 'PACS E2E' }).first();
  for (let i = 0; i < 30 && !(await outRow.count()); i++) {
    await sleep(500);
    await page.getByRole('button', { name: 'Actualiser' }).click();
  }
  await outRow.waitFor();
  await shot(page, '33-admin-messages-hl7-emis');
  const retry = outRow.getByRole('button', { name: /^Relancer le message / });
  if (await retry.count()) {
    await retry.click();
    await messages.getByText(/relancé\.$/).waitFor();
  }

  // ---- admin: an inbound message refused (no birth date), corrected and reprocessed ---------------
  const adt = (dob) => [
    'MSH|^~\\&|HIS|HOPITAL|COULOIR|CABINET|20260315101500||ADT^A28^ADT_A05|CTL-E2E-1|P|2.5|||||FRA|UNICODE UTF-8',
    'EVN||20260315101500',
    `PID|1||IPP-E2E-HL7^^^HIS&1.2.250.1.999.9.1&ISO^PI||LEGRAND^JULIE^JULIE ANNE^^^^L||${dob}|F|||^^^^^^BDL^^75056${'|'.repeat(21)}PROV`,
    'PV1|1|O'].join('\r') + '\r';
  const ack = await mllpSend(daemon.hl7Port, adt(''));
  assert.equal(ackCode(ack), 'AE', `an ADT without birth date is refused: ${ack}`);
  await page.goto(`${base}/#/admin/hl7-recus`);
  await page.getByRole('heading', { name: 'Administration — Messages HL7 reçus' }).waitFor();
  const inRow = page.locator('tbody tr', { hasText: 'CTL-E2E-1' });
  await inRow.locator('.badge', { hasText: 'En échec' }).waitFor();
  await inRow.getByRole('button', { name: 'Voir le message CTL-E2E-1' }).click();
  const mdlg = page.getByRole('dialog', { name: /^Message HL7 .*CTL-E2E-1$/ });
  const raw = mdlg.getByLabel('Message (corrigez-le si besoin avant de le retraiter)');
  assert.match(await raw.inputValue(), /^PID\|1\|\|IPP-E2E-HL7/m, 'one segment per line');
  await shot(page, '34-admin-message-hl7-en-echec');
  await raw.fill(adt('19750314').replace(/\r/g, '\n'));
  await mdlg.getByRole('button', { name: 'Retraiter le message' }).click();
  await mdlg.getByText(/^Accusé AA — Traité/).waitFor();
  await shot(page, '35-admin-message-hl7-retraite');
  await page.keyboard.press('Escape');
  const processed = await api('/hl7/inbox?state=processed&limit=100');
  assert.ok(processed.body.items.some((m) => m.control_id === 'CTL-E2E-1'), 'the corrected message is processed');

  assert.deepEqual(foreign, [], 'no request may leave the machine');
  assert.deepEqual(pageErrors, [], 'no script error in the page');
}

try {
  await main();
  log('OK');
} catch (e) {
  failed = true;
  console.error('[e2e-scenario] FAILED:', e && e.stack ? e.stack : e);
  if (browser) {
    const page = browser.context.pages()[0];
    if (page) await page.screenshot({ path: path.join(shots, 'zz-failure-scenario.png') }).catch(() => {});
  }
} finally {
  if (browser) await browser.close();
  if (daemon) {
    const { clean, exited, killed, output } = await daemon.stop();
    if (!clean) {
      console.error(`[e2e-scenario] the daemon did not stop cleanly on SIGTERM (${killed ? 'killed after 10 s' : JSON.stringify(exited)})`);
      failed = true;
    }
    if (failed) console.error(`[e2e-scenario] daemon output:\n${output}`);
  }
  if (sim) await sim.stop();
  if (peer) await peer.close();
}
process.exit(failed ? 1 : 0);
