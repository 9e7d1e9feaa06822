// Starts the real couloir daemon on a throwaway SQLite database with the demo data, on free
// loopback ports, serving the repository's web/ folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, sleep } from './env.mjs';

// Parses the demo accounts printed by `couloir demo`:
//   "  accueil        mot de passe xxxxx              rôle accueil"
export function parseDemoAccounts(stdout) {
  const accounts = {};
  for (const line of stdout.split('\n')) {
    const m = /^\s+(\S+)\s+mot de passe\s+(\S+)\s+rôle\s+(\S+)\s*$/.exec(line);
    if (m && !accounts[m[3]]) accounts[m[3]] = { login: m[1], password: m[2] };
  }
  return accounts;
}

// extraEnv: more settings (e.g. the [insi] section of lib/insi.mjs). The answer gives the HTTP
// base URL, the demo accounts, the DICOM and HL7 (MLLP) ports.
export async function startDaemon({ bin, sourceDir, log = () => {}, extraEnv = {} }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couloir-e2e-'));
  const port = await freePort();
  const env = {
    ...process.env,
    COULOIR_STORE_URL: `sqlite:${path.join(dir, 'e2e.db')}`,
    COULOIR_HTTP_BIND: '127.0.0.1',
    COULOIR_HTTP_PORT: String(port),
    COULOIR_HTTP_WEB_ROOT: path.join(sourceDir, 'web'),
    COULOIR_SITE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    COULOIR_LOG_LEVEL: 'warn',
  };
  // The other listeners of the daemon (HL7 MLLP, DICOM) also get free loopback ports.
  for (const key of ['COULOIR_HL7_LISTEN_PORT', 'COULOIR_DICOM_PORT']) env[key] = String(await freePort());
  for (const key of ['COULOIR_HL7_LISTEN_ADDRESS', 'COULOIR_DICOM_BIND_ADDRESS']) env[key] = '127.0.0.1';
  Object.assign(env, extraEnv);

  const run = (args) => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 120000 });
    if (r.status !== 0) throw new Error(`couloir ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  run(['migrate']);
  const accounts = parseDemoAccounts(run(['demo']));
  for (const role of ['accueil', 'admin']) {
    if (!accounts[role]) throw new Error(`couloir demo printed no ${role} account`);
  }

  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  // Never leave the daemon behind: on any exit of this process, and on SIGINT/SIGTERM.
  process.on('exit', () => { if (!exited) child.kill('SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      if (!exited) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(1);
    });
  }

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited) throw new Error(`couloir serve exited early (${JSON.stringify(exited)}):\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`couloir serve did not answer /healthz within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  log(`couloir serve on ${base} (data in ${dir})`);

  // SIGTERM, then up to 10 s for a graceful exit. clean: exited by itself with status 0.
  async function stop() {
    const early = exited;
    let killed = false;
    if (!exited) {
      child.kill('SIGTERM');
      const until = Date.now() + 10000;
      while (!exited && Date.now() < until) await sleep(50);
      if (!exited) {
        killed = true;
        child.kill('SIGKILL');
        while (!exited) await sleep(50);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return { clean: !early && !killed && exited.code === 0, exited, killed, output };
  }
  return { base, accounts, stop, dicomPort: Number(env.COULOIR_DICOM_PORT), hl7Port: Number(env.COULOIR_HL7_LISTEN_PORT), output: () => output, exitStatus: () => exited };
}
