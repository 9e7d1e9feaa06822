// Skip/fail rules and small helpers for the end-to-end tests (same rules as tests/support).
import net from 'node:net';

export const SKIP_CODE = 77;

export function skipOrFail(why) {
  if (process.env.CI === 'true') {
    console.error(`FAIL (CI=true, cannot skip): ${why}`);
    process.exit(1);
  }
  console.error(`SKIP: ${why}`);
  process.exit(SKIP_CODE);
}

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`FAIL: environment variable ${name} is not set (run through ctest)`);
    process.exit(1);
  }
  return v;
}

// A TCP port free on 127.0.0.1 right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
