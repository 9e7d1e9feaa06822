// The INSi stand-in (couloir-insi-sim) for the end-to-end tests: a throwaway PKI made with the
// openssl CLI (CA, server certificate for 127.0.0.1, client certificate CN=INSI-AUTO), the
// stand-in on a free loopback port, and the [insi]/[ins] settings pointing `couloir serve` at it
// (same set-up as tests/integration/identity and scripts/demo.sh).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipOrFail, sleep } from './env.mjs';

const IDAM = 'IDAM-COULOIR-E2E';

export function simBinary() {
  const p = process.env.COULOIR_INSI_SIM
    || path.join(process.env.COULOIR_BINARY_DIR || '', 'sim', 'insi', 'couloir-insi-sim');
  if (!fs.existsSync(p)) skipOrFail(`couloir-insi-sim is not built (${p})`);
  return p;
}

function makePki(dir) {
  const ossl = (...args) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 60000 });
    if (r.error && r.error.code === 'ENOENT') skipOrFail('the openssl CLI is missing (apt-get install openssl)');
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Couloir E2E CA');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn, ext] of [['server', '127.0.0.1', true], ['client', 'INSI-AUTO', false]]) {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`,
      '-days', '1', ...(ext ? ['-extfile', 'san.ext'] : []));
  }
}

// Starts the stand-in; returns {env, stop()} where env holds the COULOIR_INSI_* / COULOIR_INS_*
// settings for the daemon.
export async function startInsiSim({ log = () => {} } = {}) {
  const bin = simBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couloir-e2e-insi-'));
  makePki(dir);
  const portFile = path.join(dir, 'sim.port');
  let output = '';
  const child = spawn(bin, ['--cert', path.join(dir, 'server.pem'), '--key', path.join(dir, 'server.key'),
    '--client-ca', path.join(dir, 'ca.pem'), '--port', '0', '--port-file', portFile, '--idam', IDAM,
    '--allowed-cn', 'INSI-AUTO', '--max-seconds', '290'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  process.on('exit', () => { if (!exited) child.kill('SIGKILL'); });
  let port = 0;
  const deadline = Date.now() + 20000;
  while (!port) {
    if (exited) throw new Error(`couloir-insi-sim exited early (${JSON.stringify(exited)}): ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`couloir-insi-sim did not start within 20 s: ${output}`);
    }
    try {
      port = Number(fs.readFileSync(portFile, 'utf8').trim()) || 0;
    } catch {
      /* not written yet */
    }
    if (!port) await sleep(50);
  }
  log(`couloir-insi-sim on https://127.0.0.1:${port}/lps`);
  const env = {
    COULOIR_INSI_URL: `https://127.0.0.1:${port}/lps`,
    COULOIR_INSI_CERT_FILE: path.join(dir, 'client.pem'),
    COULOIR_INSI_KEY_FILE: path.join(dir, 'client.key'),
    COULOIR_INSI_CA_FILE: path.join(dir, 'ca.pem'),
    COULOIR_INSI_IDAM: IDAM,
    COULOIR_INSI_INSTANCE: '3f0c1b6e-8a47-4d2e-9b51-7c6d5e4f3a21',
    COULOIR_INSI_TIMEOUT_MS: '10000',
    COULOIR_INS_INSI_ROLES: 'accueil,admin',
    COULOIR_INS_VIEW_ROLES: 'accueil,manipulateur,radiologue,admin',
  };
  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const until = Date.now() + 5000;
      while (!exited && Date.now() < until) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { env, stop, output: () => output };
}
