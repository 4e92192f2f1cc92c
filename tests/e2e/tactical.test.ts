import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { framesDrawn, openRoomPage, waitClockVersion } from './support/rooms.js';
import type { BootedServer } from './support/server.js';
import { bootStage, type Stage } from './support/stage.js';

// The tactical canvas in a real browser: hover shows a unit's tooltip, drag pans, the wheel zooms
// about the cursor, Fit restores the whole map.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('tactical view', () => {
  let server: BootedServer;
  let browser: Browser;
  let stage: Stage | undefined;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    stage = await bootStage((battles) => battles.find((b) => b.id.includes('deep-space-9')) ?? battles[0]);
    ({ server, browser } = stage);
    const { roomId, instructorKey } = stage;
    ({ context, page } = await openRoomPage(browser, server.url, roomId, {
      name: 'Instructor',
      instructorKey,
      viewport: { width: 1280, height: 800 },
    }));
    // Somewhere mid-battle, paused.
    const v = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
    const box = await page.getByTestId('scrubber').boundingBox();
    if (!box) throw new Error('no scrubber');
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height / 2);
    await waitClockVersion(page, v + 1);
    // The world at the new moment is in (its segment fetched and folded) and drawn.
    await page.waitForFunction(() => window.__wardroom?.ready === true && window.__wardroom.worldT !== null);
    await framesDrawn(page);
  });

  afterAll(async () => {
    await context?.close();
    await stage?.close();
  });

  const drawn = () => page.evaluate(() => window.__wardroom?.drawnUnits() ?? []);

  it('shows a tooltip for the unit under the pointer', async () => {
    const canvas = await page.getByTestId('tactical-canvas').boundingBox();
    if (!canvas) throw new Error('no canvas');
    const units = await drawn();
    expect(units.length).toBeGreaterThan(0);
    // A unit with no other unit drawn within 12 px, so the pointer picks exactly it.
    const lone = units.find((u) => units.every((o) => o === u || Math.hypot(o.x - u.x, o.y - u.y) > 12)) ?? units[0];
    await page.mouse.move(canvas.x + lone.x, canvas.y + lone.y);
    const tip = page.getByTestId('unit-tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent()) ?? '';
    expect(text).toMatch(/Shields \d+\/\d+ · Hull \d+\/\d+/);
    expect(text).toMatch(/Status: \w+/);
    await page.mouse.move(canvas.x + 5, canvas.y + canvas.height - 5);
    await tip.waitFor({ state: 'hidden' });
  });

  it('pans by dragging, zooms about the cursor, and fits back', async () => {
    const canvas = await page.getByTestId('tactical-canvas').boundingBox();
    if (!canvas) throw new Error('no canvas');
    const before = await drawn();
    const ref = before[0];
    const find = (list: typeof before) => list.find((u) => u.id === ref.id);

    await page.mouse.move(canvas.x + 300, canvas.y + 300);
    await page.mouse.down();
    await page.mouse.move(canvas.x + 360, canvas.y + 280, { steps: 4 });
    await page.mouse.up();
    // The next frame draws the panned view: wait for it, not for a guessed time.
    const panned = await vi.waitFor(async () => {
      const p = find(await drawn());
      expect(p?.x).toBeCloseTo(ref.x + 60, 0);
      expect(p?.y).toBeCloseTo(ref.y - 20, 0);
      return p;
    });

    // Zoom in with the wheel about the reference unit: it stays put, its neighbours spread out.
    await page.mouse.move(canvas.x + (panned?.x ?? 0), canvas.y + (panned?.y ?? 0));
    const pannedAll = new Map((await drawn()).map((u) => [u.id, u]));
    const spread = (u: { x: number; y: number }, c: { x: number; y: number }) => Math.hypot(u.x - c.x, u.y - c.y);
    await page.mouse.wheel(0, -400);
    // Zoomed once the next frame shows a neighbour further from the reference unit; then the reference must
    // not have moved.
    const zoomed = await vi.waitFor(async () => {
      const list = await drawn();
      const c = find(list);
      const grew = list.some((u) => {
        const was = pannedAll.get(u.id);
        return u.id !== ref.id && c && panned && was && spread(u, c) > spread(was, panned) * 1.1 + 3;
      });
      expect(grew).toBe(true);
      return list;
    });
    const z = find(zoomed);
    expect(Math.abs((z?.x ?? 0) - (panned?.x ?? 0))).toBeLessThan(2);
    expect(zoomed.length).toBeLessThanOrEqual(before.length);

    await page.getByRole('button', { name: 'Fit map' }).click();
    await vi.waitFor(async () => {
      const fitted = find(await drawn());
      expect(fitted?.x).toBeCloseTo(ref.x, 0);
      expect(fitted?.y).toBeCloseTo(ref.y, 0);
    });
  });
});
