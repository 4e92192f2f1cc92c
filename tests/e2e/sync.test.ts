import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { playFor, roomBarrier, sample, syncBoundMs, waitClockVersion } from './support/rooms.js';
import { agreedUnitPositions } from './support/settle.js';
import { bootStage, type Stage } from './support/stage.js';

// Two (three) real browsers in one room: the instructor drives playback through the UI; the others
// must show the same moment and the same unit positions.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('synchronized room in the browser', () => {
  let stage: Stage | undefined;
  let instructor: Page;
  let viewer: Page;
  let player: Page;

  beforeAll(async () => {
    stage = await bootStage();
    ({ page: instructor } = await stage.open({ name: 'Instructor', instructorKey: stage.instructorKey }));
    ({ page: viewer } = await stage.open({ name: 'Viewer' }));
    ({ page: player } = await stage.open({ name: 'Player', role: 'player' }));
  });

  afterAll(async () => {
    await stage?.close();
  });

  it('gives controls to the instructor only', async () => {
    expect(await instructor.evaluate(() => window.__wardroom?.role)).toBe('instructor');
    expect(await viewer.evaluate(() => window.__wardroom?.role)).toBe('viewer');
    expect(await player.evaluate(() => window.__wardroom?.role)).toBe('player');
    expect(await instructor.evaluate(() => window.__wardroom?.controlsEnabled)).toBe(true);
    expect(await viewer.evaluate(() => window.__wardroom?.controlsEnabled)).toBe(false);
    expect(await player.evaluate(() => window.__wardroom?.controlsEnabled)).toBe(false);
    for (const id of ['play-pause', 'prev-phase', 'next-phase', 'rate']) {
      expect(await viewer.getByTestId(id).isDisabled()).toBe(true);
      expect(await instructor.getByTestId(id).isDisabled()).toBe(false);
    }
    // A viewer's keyboard does nothing: the instructor's next command is the only change the room sees.
    const before = (await sample(viewer)).version;
    await viewer.locator('body').press('Space');
    expect(await roomBarrier(instructor, [viewer, player])).toBe(before + 1);
    expect((await sample(viewer)).version).toBe(before + 1);
  });

  it('plays: every page shows the same moment within a frame', async () => {
    const v0 = (await sample(instructor)).version;
    await instructor.getByTestId('play-pause').click();
    await waitClockVersion(viewer, v0 + 1);
    await waitClockVersion(instructor, v0 + 1);
    await playFor(instructor, 800);
    expect(await instructor.evaluate(() => document.querySelector('[data-testid="play-pause"]')?.getAttribute('aria-label'))).toBe('Pause');
    // Read both pages; correct for the wall time between the two reads (same machine clock), at 1x. Within a
    // frame, plus what clock sync cannot tell apart (syncBoundMs).
    for (let i = 0; i < 3; i++) {
      const [a, b] = await Promise.all([sample(instructor), sample(viewer)]);
      const drift = a.pos - (b.pos + (a.wall - b.wall));
      const syncBound = await syncBoundMs(instructor, viewer);
      expect(Math.abs(drift), `drift with sync bound ${syncBound.toFixed(1)} ms`).toBeLessThanOrEqual(16 + syncBound);
      expect(a.pos).toBeGreaterThan(0);
    }
    // Same units in the same places when evaluated at the same shared position.
    const at = (await sample(instructor)).pos;
    const [ua, ub] = await Promise.all([
      instructor.evaluate((t) => window.__wardroom?.unitPositions(t) ?? {}, at),
      viewer.evaluate((t) => window.__wardroom?.unitPositions(t) ?? {}, at),
    ]);
    expect(Object.keys(ua).length).toBeGreaterThan(0);
    expect(Object.keys(ub).sort()).toEqual(Object.keys(ua).sort());
    for (const id of Object.keys(ua)) {
      expect(Math.abs(ua[id].x - ub[id].x)).toBeLessThan(1e-6);
      expect(Math.abs(ua[id].y - ub[id].y)).toBeLessThan(1e-6);
    }
  });

  it('pauses and seeks: the others follow to the same position and unit coordinates', async () => {
    let v = (await sample(instructor)).version;
    await instructor.getByTestId('play-pause').click();
    // Every page, the sender's too: a viewer's page can take a clock before the page that sent it.
    for (const p of [viewer, instructor]) await waitClockVersion(p, v + 1);
    // Seek by clicking the scrubber at 60%.
    v = (await sample(instructor)).version;
    const box = await instructor.getByTestId('scrubber').boundingBox();
    if (!box) throw new Error('no scrubber');
    await instructor.mouse.click(box.x + box.width * 0.6, box.y + box.height / 2);
    for (const p of [viewer, player, instructor]) await waitClockVersion(p, v + 1);
    // Then the keyboard: +10 s.
    v = (await sample(instructor)).version;
    await instructor.locator('body').press('ArrowRight');
    for (const p of [viewer, player, instructor]) await waitClockVersion(p, v + 1);
    expect(await instructor.getByTestId('time-label').textContent()).toMatch(/\d+:\d\d \/ \d+:\d\d/);
    const [a, b, c] = await Promise.all([sample(instructor), sample(viewer), sample(player)]);
    expect(b.pos).toBe(a.pos);
    expect(c.pos).toBe(a.pos);
    // Each page folds the new position on its own time (its segment may still be on the way): the three
    // worlds must come to agree, unit for unit.
    await agreedUnitPositions([instructor, viewer, player]);
    // The scrub landed at 60% (to a pixel), then +10 s.
    const dur = await instructor.evaluate(() => window.__wardroom?.durationMs ?? 0);
    const pxMs = dur / box.width;
    expect(Math.abs(a.pos - Math.min(dur, dur * 0.6 + 10_000))).toBeLessThanOrEqual(2 * pxMs + 1);
  });
});
