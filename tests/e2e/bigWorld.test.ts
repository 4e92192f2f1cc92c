import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFramePage } from '../bench/frames/bundle.js';
import type { FrameBenchResult } from '../bench/frames/page.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';

// A large world at "Fit" played at 16x in real Chromium through the real tactical unit layer
// (client/src/room/tactical/unitLayer.ts): from 2,000 units ship wedges are stamped as pixels, and the
// path-only drawing stays available. The world is synthetic (tests/bench/frames/page.ts).
// Issue #14 asks for a test that a 20,000-unit world at 16x makes no main-thread task over 50 ms after the
// first frame. That is not met yet (even 3,521 units show one or two 70-100 ms tasks in 10 s on this machine
// kind), so it is measured by `npm run bench -- frames20k` (long tasks per run) and becomes a test here when it holds.

const hasChromium = chromiumAvailable();

const UNITS = 3_521;

describe.runIf(hasChromium)(`a ${UNITS}-unit world in the browser`, () => {
  let browser: Browser;
  let js = '';

  beforeAll(async () => {
    [browser, js] = await Promise.all([launchChromium(), bundleFramePage()]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function play(mode: 'auto' | 'canvas', units: number, durationMs: number): Promise<FrameBenchResult> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.setContent('<!doctype html><html><body style="margin:0;background:#000"></body></html>');
      await page.addScriptTag({ content: js });
      return await page.evaluate(([n, ms, m]) => window.__frameBench!.run(n, 1e6, 16, m, ms), [units, durationMs, mode] as const);
    } finally {
      await page.close();
    }
  }

  it('draws a large world with the pixel-stamped unit layer at 16x', async () => {
    const r = await play('auto', UNITS, 3_000);
    expect(r.renderer).toBe('stamp');
    expect(r.frames).toBeGreaterThan(30);
  }, 60_000);

  it('keeps the path-only drawing when stamping is off', async () => {
    const r = await play('canvas', 3000, 1000);
    expect(r.renderer).toBe('canvas');
    expect(r.frames).toBeGreaterThan(3);
  }, 60_000);
});
