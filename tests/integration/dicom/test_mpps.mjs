// MPPS exchange driven by an independent implementation (npm dcmjs-dimse) against Couloir's
// DICOM server (tests/integration/dicom/dicom_wlserver) over TCP on 127.0.0.1:
// N-CREATE (IN PROGRESS) then N-SET (COMPLETED), and the refusals: duplicate instance (0x0111),
// N-CREATE not IN PROGRESS (0x0106), update of a completed step (0x0110 + Error Comment),
// unknown instance (0x0112). Exit 77 (skip) when dcmjs-dimse is not installed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const skipOrFail = (why) => {
  if (process.env.CI === 'true') { console.error(`FAIL (CI=true, cannot skip): ${why}`); process.exit(1); }
  console.error(`SKIP: ${why}`); process.exit(77);
};
let dimse;
try {
  dimse = require(path.join(process.env.COULOIR_SOURCE_DIR || '.', 'tests/node_modules/dcmjs-dimse'));
} catch (e) {
  skipOrFail('dcmjs-dimse not installed (cd tests && npm install)');
}
const { Client, Dataset } = dimse;
dimse.log.setLevel('warn'); // the PDU trace is noise here; failures are reported below
const { NCreateRequest, NSetRequest, CEchoRequest } = dimse.requests;
const MPPS = '1.2.840.10008.3.1.2.3.3';

const bin = path.join(process.env.COULOIR_BINARY_DIR || '.', 'tests/integration/dicom/dicom_wlserver');
const empty = mkdtempSync(path.join(tmpdir(), 'couloir-mpps-'));
const server = spawn(bin, [empty, '--lifetime', '60'], { stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
server.stderr.on('data', (d) => { stderr += d; });
const lines = [];
const rl = readline.createInterface({ input: server.stdout });
const port = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('server did not start')), 10000);
  rl.on('line', (l) => {
    lines.push(l);
    if (l.startsWith('PORT ')) { clearTimeout(t); resolve(Number(l.split(' ')[1])); }
  });
});

// Sends the requests on one association; resolves with their responses in order.
function exchange(requests) {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const out = [];
    for (const r of requests) {
      r.on('response', (rsp) => out.push(rsp));
      client.addRequest(r);
    }
    const timer = setTimeout(() => reject(new Error('timeout')), 20000);
    client.on('networkError', (e) => { clearTimeout(timer); reject(e); });
    client.on('associationRejected', (r) => { clearTimeout(timer); reject(new Error('rejected ' + JSON.stringify(r))); });
    client.on('closed', () => { clearTimeout(timer); resolve(out); });
    client.send('127.0.0.1', port, 'CT_SALLE1', 'COULOIR');
  });
}

const uid = '1.2.250.1.999.7.' + Date.now();
const inProgress = {
  SpecificCharacterSet: 'ISO_IR 192',
  PatientName: 'HÉRON^ZÉLIE',
  PatientID: 'IPP001',
  PerformedProcedureStepStatus: 'IN PROGRESS',
  PerformedProcedureStepID: 'PPS1',
  PerformedStationAETitle: 'CT_SALLE1',
  PerformedProcedureStepStartDate: '20261122',
  PerformedProcedureStepStartTime: '083500',
  Modality: 'CT',
  ScheduledStepAttributesSequence: [{
    StudyInstanceUID: '1.2.250.1.999.1.1',
    AccessionNumber: 'ACC001',
    RequestedProcedureID: 'RP001',
    ScheduledProcedureStepID: 'SPS001',
  }],
};
const create = (sopUid, attrs) => {
  const r = new NCreateRequest(MPPS, sopUid);
  r.setDataset(new Dataset(attrs));
  return r;
};
const set = (sopUid, attrs) => {
  const r = new NSetRequest(MPPS, sopUid);
  r.setDataset(new Dataset(attrs));
  return r;
};

const failures = [];
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures.push(what);
};

try {
  const rsp = await exchange([
    new CEchoRequest(),
    create(uid, inProgress),
    create(uid, inProgress),
    create(uid + '.2', { ...inProgress, PerformedProcedureStepStatus: 'COMPLETED' }),
    set(uid, { PerformedProcedureStepStatus: 'COMPLETED', PerformedProcedureStepEndDate: '20261122',
               PerformedProcedureStepEndTime: '084500' }),
    set(uid, { PerformedProcedureStepStatus: 'DISCONTINUED' }),
    set(uid + '.9', { PerformedProcedureStepStatus: 'COMPLETED' }),
    set(uid, { PerformedProcedureStepStatus: 'FINISHED' }),
    create('', inProgress),
  ]);
  const st = rsp.map((r) => r.getStatus());
  check(rsp.length === 9, `9 responses (${rsp.length})`);
  check(st[0] === 0, 'C-ECHO success');
  check(st[1] === 0 && rsp[1].getAffectedSopInstanceUid() === uid, 'N-CREATE IN PROGRESS accepted, instance echoed');
  check(st[2] === 0x0111, `duplicate N-CREATE refused 0x0111 (0x${st[2]?.toString(16)})`);
  check(st[3] === 0x0106, `N-CREATE COMPLETED refused 0x0106 (0x${st[3]?.toString(16)})`);
  check(st[4] === 0, 'N-SET COMPLETED accepted');
  check(st[5] === 0x0110 && /no more updates/.test(rsp[5].getErrorComment() || ''),
        `N-SET after COMPLETED refused 0x0110 with comment (0x${st[5]?.toString(16)} "${rsp[5]?.getErrorComment()}")`);
  check(st[6] === 0x0112, `N-SET unknown instance refused 0x0112 (0x${st[6]?.toString(16)})`);
  check(st[7] === 0x0106, `N-SET invalid status refused 0x0106 (0x${st[7]?.toString(16)})`);
  const made = rsp[8]?.getAffectedSopInstanceUid() || '';
  check(st[8] === 0 && /^2\.25\.[1-9][0-9]*$/.test(made), `N-CREATE without instance UID: SCP creates ${made}`);
} catch (e) {
  check(false, 'exchange: ' + e.message);
}

server.stdin.end();
const code = await new Promise((resolve) => server.on('close', resolve));
check(code === 0, `test server exited cleanly (${code})`);
rmSync(empty, { recursive: true, force: true });
check(lines.includes(`MPPS ${uid} IN PROGRESS`) && lines.includes(`MPPS ${uid} COMPLETED`), 'provider saw IN PROGRESS then COMPLETED');
check(/op=N-CREATE/.test(stderr) && /MPPS refused/.test(stderr), 'MPPS operations logged');
if (failures.length) {
  console.error(stderr.split('\n').slice(-15).join('\n'));
  process.exit(1);
}
