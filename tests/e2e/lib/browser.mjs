// Debian's Chromium driven by playwright-core, in a fresh profile, at 1366×768.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipOrFail } from './env.mjs';

export const CHROMIUM = process.env.COULOIR_CHROMIUM || '/usr/bin/chromium';

// Skips (or fails under CI=true) when playwright-core or Chromium is missing. Call it before
// starting anything else.
export async function requireBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    skipOrFail('npm package playwright-core is missing: run `cd tests && npm install`');
  }
  if (!fs.existsSync(CHROMIUM)) skipOrFail(`${CHROMIUM} is missing: apt-get install chromium (deps/apt/test-e2e.txt)`);
  return chromium;
}

export async function launchBrowser() {
  const chromium = await requireBrowser();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'couloir-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    env: { ...process.env, LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr', TZ: 'Europe/Paris' },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=fr-FR'],
  });
  context.setDefaultTimeout(15000);
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
