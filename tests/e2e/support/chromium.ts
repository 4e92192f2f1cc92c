import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Real Chromium for the browser tests. Missing -> fail under CI, else skip with one loud line.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when the browser tests can run; throws under CI when Chromium is missing. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM_PATH} (CI): apt-get install redis-server chromium`);
  if (!process.env.WARDROOM_MISSING_WARNED)
    console.warn(
      `\n!!! SKIPPING browser tests: Chromium not found at ${CHROMIUM_PATH}. Install it: apt-get install redis-server chromium\n`,
    );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
