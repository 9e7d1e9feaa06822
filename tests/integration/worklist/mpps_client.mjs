// MPPS exchange driven by an independent implementation (npm dcmjs-dimse) against `couloir serve`
// (started by test_worklist.py):  node mpps_client.mjs PORT CALLING_AE SPS_ARRIVED SPS_BOOKED
// Sends N-CREATE IN PROGRESS for SPS_ARRIVED, then N-SET COMPLETED, then a second N-SET
// (refused), N-CREATE for SPS_BOOKED (refused by the workflow), N-SET on an unknown instance.
// Prints one JSON line {"uid":..., "statuses":[...], "comments":[...]}. Exit 77: no dcmjs-dimse.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let dimse;
try {
  dimse = require(path.join(process.env.COULOIR_SOURCE_DIR || '.', 'tests/node_modules/dcmjs-dimse'));
} catch (e) {
  console.error('SKIP: dcmjs-dimse not installed (cd tests && npm install)');
  process.exit(77);
}
const { Client, Dataset } = dimse;
dimse.log.setLevel('warn');
const { NCreateRequest, NSetRequest } = dimse.requests;
const MPPS = '1.2.840.10008.3.1.2.3.3';
const [port, calling, spsArrived, spsBooked] = process.argv.slice(2);

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
    client.send('127.0.0.1', Number(port), calling, 'COULOIR');
  });
}

const attrs = (sps) => ({
  SpecificCharacterSet: 'ISO_IR 192',
  PerformedProcedureStepStatus: 'IN PROGRESS',
  PerformedProcedureStepID: 'PPS1',
  PerformedStationAETitle: calling,
  PerformedProcedureStepStartDate: '20260105',
  PerformedProcedureStepStartTime: '083500',
  Modality: 'CT',
  ScheduledStepAttributesSequence: [{ ScheduledProcedureStepID: sps }],
});
const create = (uid, a) => { const r = new NCreateRequest(MPPS, uid); r.setDataset(new Dataset(a)); return r; };
const set = (uid, a) => { const r = new NSetRequest(MPPS, uid); r.setDataset(new Dataset(a)); return r; };

const uid = '1.2.250.1.999.8.' + Date.now();
try {
  const rsp = await exchange([
    create(uid, attrs(spsArrived)),
    set(uid, { PerformedProcedureStepStatus: 'COMPLETED', PerformedProcedureStepEndDate: '20260105',
               PerformedProcedureStepEndTime: '084500',
               // the series and images produced, as modalities list them at completion
               PerformedSeriesSequence: [{
                 SeriesInstanceUID: '1.2.250.1.999.8.77.1', Modality: 'CT',
                 ReferencedImageSequence: [
                   { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: '1.2.250.1.999.8.77.1.1' },
                   { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: '1.2.250.1.999.8.77.1.2' },
                 ],
               }, {
                 // malformed UIDs are not kept (they would end up in the CDA sent to the DMP)
                 SeriesInstanceUID: '1.2.x.3', Modality: 'CT',
                 ReferencedImageSequence: [{ ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: '1.2.3' }],
               }] }),
    set(uid, { PerformedProcedureStepStatus: 'DISCONTINUED' }),
    create(uid + '.2', attrs(spsBooked)),
    set(uid + '.9', { PerformedProcedureStepStatus: 'COMPLETED' }),
  ]);
  console.log(JSON.stringify({ uid, statuses: rsp.map((r) => r.getStatus()),
                               comments: rsp.map((r) => r.getErrorComment() || '') }));
  process.exit(0);
} catch (e) {
  console.error('FAIL: ' + e.message);
  process.exit(1);
}
