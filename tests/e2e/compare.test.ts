import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { roomBarrier, sample } from './support/rooms.js';
import { bootStage, type Stage } from './support/stage.js';

// What-if branches in real browsers: a player forks from the Branches tab, previews the branch
// privately, opens the compare view (two tactical views on one clock, aligned on the fork point,
// with an outcome diff); the instructor switches the room from the tab and every page follows.

const hasChromium = chromiumAvailable();

interface Snap {
  pos: number;
  left: { pos: number; branchId: string; units: Record<string, { x: number; y: number }>; live: number };
  right: { pos: number; branchId: string; units: Record<string, { x: number; y: number }>; live: number };
}

/** Both panes as drawn in the same last frame. */
function snap(page: Page): Promise<Snap> {
  return page.evaluate(() => {
    const c = window.__wardroomCompare;
    if (!c?.right) throw new Error('no compare view');
    const side = (p: NonNullable<typeof c.right>) => ({
      pos: p.positionMs(),
      branchId: p.branchId,
      units: p.unitPositions(),
      live: p.liveUnits(),
    });
    return { pos: c.positionMs(), left: side(c.left), right: side(c.right) };
  });
}

function maxMove(a: Record<string, { x: number; y: number }>, b: Record<string, { x: number; y: number }>): number {
  let max = 0;
  for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const p = a[id];
    const q = b[id];
    if (!p || !q) return Infinity;
    max = Math.max(max, Math.hypot(p.x - q.x, p.y - q.y));
  }
  return max;
}

describe.runIf(hasChromium)('what-if branches in the browser', () => {
  let stage: Stage | undefined;
  let instructor: Page;
  let player: Page;
  let viewer: Page;
  let branchId = '';
  let historyId = '';

  beforeAll(async () => {
    stage = await bootStage();
    ({ page: instructor } = await stage.open({ name: 'Instructor', instructorKey: stage.instructorKey }));
    ({ page: player } = await stage.open({ name: 'Player', role: 'player' }));
    ({ page: viewer } = await stage.open({ name: 'Viewer' }));
  }, 180_000);

  afterAll(async () => {
    await stage?.close();
  });

  it('the Branches tab lists decisions with labels, historical badges and range sliders; viewers cannot fork', async () => {
    await player.getByRole('tab', { name: 'Branches' }).click();
    await player.waitForSelector('[data-testid="branch-node"][data-depth="0"]');
    const decisions = await player.$$eval('[data-testid="decision-point"]', (els) =>
      els.map((e) => ({
        id: e.getAttribute('data-decision-id'),
        options: e.querySelectorAll('li.option').length,
        historical: e.querySelectorAll('[data-testid="historical-badge"]').length,
        sliders: [...e.querySelectorAll<HTMLInputElement>('input[type="range"]')].map((s) => ({ min: s.min, max: s.max, value: s.value })),
        fork: !(e.querySelector<HTMLButtonElement>('[data-testid="fork-button"]')?.disabled ?? true),
      })),
    );
    expect(decisions.length).toBeGreaterThan(0);
    for (const d of decisions) {
      expect(d.options).toBeGreaterThanOrEqual(2);
      expect(d.historical).toBe(1); // exactly one option is what happened
    }
    // Every quantity shows its range, starting at the historical value.
    const battleDecisions = await player.evaluate(async () => {
      const tree = window.__wardroomBranches?.tree();
      return (
        tree?.branches[0].decisionPoints.map((p) => ({ id: p.id, params: p.options.filter((o) => o.param).map((o) => o.param!) })) ?? []
      );
    });
    for (const d of battleDecisions) {
      const shown = decisions.find((x) => x.id === d.id)!;
      expect(shown.sliders).toEqual(d.params.map((p) => ({ min: String(p.min), max: String(p.max), value: String(p.default) })));
    }
    // A decision diamond on the scrubber opens the Branches tab at that decision.
    const marker = viewer.locator('.decision-marker').first();
    const markerId = await marker.getAttribute('data-decision');
    await marker.click();
    await viewer.waitForSelector(`[data-testid="decision-point"][data-decision-id="${markerId}"].focused`);
    expect(await viewer.getByRole('tab', { name: 'Branches' }).getAttribute('aria-selected')).toBe('true');
    expect(await viewer.$$eval('[data-testid="fork-button"]', (els) => els.every((b) => (b as HTMLButtonElement).disabled))).toBe(true);
  });

  it('a player forks at a decision; the branch appears in every tree under history', async () => {
    // The first reached decision: pick its first non-historical option.
    const target = await player.evaluate(() => {
      const tree = window.__wardroomBranches!.tree()!;
      const dp = [...tree.branches[0].decisionPoints].filter((p) => p.atMs !== null).sort((a, b) => a.atMs! - b.atMs!)[0];
      return { decisionId: dp.id, optionId: dp.options.find((o) => !o.historical)!.id, historyId: tree.historyBranchId };
    });
    historyId = target.historyId;
    const item = player.locator(`[data-decision-id="${target.decisionId}"]`);
    await item.locator(`input[type="radio"][data-option-id="${target.optionId}"]`).check();
    await item.getByTestId('fork-button').click();
    await player.waitForFunction(() => (window.__wardroomBranches?.tree()?.branches.length ?? 0) >= 2, undefined, { timeout: 60_000 });
    const node = await player.evaluate(() => window.__wardroomBranches!.tree()!.branches[1]);
    branchId = node.branchId;
    expect(node).toMatchObject({
      depth: 1,
      parentBranchId: historyId,
      history: false,
      createdBy: 'Player',
      decisions: [{ decisionId: target.decisionId, optionId: target.optionId }],
    });
    for (const p of [instructor, viewer]) {
      await p.waitForFunction((id) => window.__wardroomBranches?.tree()?.branches.some((b) => b.branchId === id), branchId, {
        timeout: 10_000,
      });
    }
    await player.waitForSelector(`[data-testid="branch-node"][data-branch-id="${branchId}"][data-depth="1"]`);
    // A progressive fork is listed at once with a placeholder outcome; its real one follows (branch:updated).
    const outcomeOf = `[data-branch-id="${branchId}"] [data-testid="branch-outcome"]`;
    await player.waitForFunction((sel) => /Losses:/.test(document.querySelector(sel)?.textContent ?? ''), outcomeOf, { timeout: 60_000 });
    const row = await player.locator(outcomeOf).textContent();
    expect(row).toMatch(/Losses:/);
    // The fork did not move the room.
    expect(await instructor.evaluate(() => window.__wardroomBranches!.tree()!.currentBranchId)).toBe(historyId);
  }, 90_000);

  it('a preview is private and labelled: the room stays on its branch', async () => {
    await player.locator(`[data-branch-id="${branchId}"]`).getByTestId('branch-preview').click();
    await player.waitForFunction(() => window.__wardroomCompare?.mode === 'preview' && window.__wardroomCompare.ready, undefined, {
      timeout: 30_000,
    });
    expect(await player.getByTestId('preview-label').textContent()).toMatch(/preview/i);
    expect(await player.evaluate(() => window.__wardroomCompare!.left.branchId)).toBe(branchId);
    // Following the room's clock by default.
    expect(await player.evaluate(() => window.__wardroomCompare!.clock)).toBe('room');
    // At the room's position from its frames on (positionMs is the last drawn position).
    await player.waitForFunction(
      () => Math.abs(window.__wardroom!.positionMs() - window.__wardroomCompare!.positionMs()) < 100,
      undefined,
      {
        timeout: 5000,
      },
    );
    const before = (await sample(instructor)).version;
    await player.getByTestId('compare-close').click();
    expect(await player.evaluate(() => window.__wardroomCompare)).toBeUndefined();
    // Closing a preview never moves the room: the instructor's next command is the only change the room sees, and
    // the instructor's page still shows history.
    expect(await roomBarrier(instructor, [player])).toBe(before + 1);
    expect(await instructor.evaluate(() => window.__wardroomBranches!.tree()!.currentBranchId)).toBe(historyId);
  }, 60_000);

  it('the compare view shows both branches at the same moment, aligned on the fork, with an outcome diff', async () => {
    await player.locator(`[data-branch-id="${branchId}"]`).getByTestId('branch-compare-history').click();
    await player.waitForFunction(() => window.__wardroomCompare?.mode === 'compare' && window.__wardroomCompare.ready, undefined, {
      timeout: 60_000,
    });
    const forkMs = (await player.evaluate(() => window.__wardroomCompare!.forkMs))!;
    expect(forkMs).toBeGreaterThan(0);
    // Opens at the fork point on its own clock, both panes at the same position.
    let s = await snap(player);
    expect(s.left.branchId).toBe(historyId);
    expect(s.right.branchId).toBe(branchId);
    expect(s.left.pos).toBe(s.right.pos);
    expect(s.pos).toBe(forkMs);

    // Before the fork the two are the same battle.
    await player.evaluate((ms) => window.__wardroomCompare!.seek(ms), Math.max(0, forkMs - 3000));
    await player.waitForFunction((ms) => window.__wardroomCompare!.left.positionMs() === ms, Math.max(0, forkMs - 3000));
    s = await snap(player);
    expect(s.left.pos).toBe(s.right.pos);
    expect(maxMove(s.left.units, s.right.units)).toBeLessThan(1e-6);

    // Playing: one clock, so the two panes are drawn at the same position in every frame.
    await player.evaluate(() => window.__wardroomCompare!.play());
    const spreads: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Sampled at frames drawn ~120 ms of playback apart (a positive signal: the compare clock moved on).
      await player.waitForFunction((from) => window.__wardroomCompare!.positionMs() >= from + 120, s.pos);
      s = await snap(player);
      spreads.push(Math.abs(s.left.pos - s.right.pos));
    }
    expect(Math.max(...spreads)).toBeLessThanOrEqual(17); // within a frame (they are in fact equal)
    await player.evaluate(() => window.__wardroomCompare!.pause());

    // Well after the fork the units differ (the branch was simulated under another order).
    let differs = false;
    for (const dt of [30_000, 60_000, 120_000, 180_000]) {
      await player.evaluate((ms) => window.__wardroomCompare!.seek(ms), forkMs + dt);
      await player.waitForFunction(
        (ms) =>
          window.__wardroomCompare!.left.positionMs() === ms ||
          window.__wardroomCompare!.left.positionMs() === window.__wardroomCompare!.positionMs(),
        forkMs + dt,
      );
      s = await snap(player);
      expect(s.left.pos).toBe(s.right.pos);
      if (maxMove(s.left.units, s.right.units) > 1 || s.left.live !== s.right.live) {
        differs = true;
        break;
      }
    }
    expect(differs).toBe(true);

    // The outcome diff: winner, losses per side, objectives, the first differing event.
    const diff = await player.getByTestId('compare-diff').textContent();
    expect(diff).toMatch(/Winner/);
    expect(diff).toMatch(/losses/);
    expect(diff).toMatch(/First difference \(\d+:\d\d\)/);
    // Following the room's clock instead: both panes at the room's position.
    await player.getByTestId('compare-clock').selectOption('room');
    await player.waitForFunction(() => window.__wardroomCompare?.clock === 'room');
    // The panes take the room's position on their next frame (positionMs is the last drawn position).
    await player.waitForFunction(
      () => Math.abs(window.__wardroom!.positionMs() - window.__wardroomCompare!.positionMs()) < 200,
      undefined,
      {
        timeout: 5000,
      },
    );
    const [roomPos, cmp] = await Promise.all([player.evaluate(() => window.__wardroom!.positionMs()), snap(player)]);
    expect(cmp.left.pos).toBe(cmp.right.pos);
    expect(Math.abs(roomPos - cmp.pos)).toBeLessThan(200);
    await player.getByTestId('compare-close').click();
  }, 120_000);

  it('the instructor switches the room from the tab; every page follows the branch', async () => {
    await instructor.getByRole('tab', { name: 'Branches' }).click();
    await instructor.locator(`[data-branch-id="${branchId}"]`).getByTestId('branch-switch').click();
    for (const p of [instructor, player, viewer]) {
      await p.waitForFunction((id) => window.__wardroomBranches?.tree()?.currentBranchId === id, branchId, { timeout: 15_000 });
      await p.waitForSelector(`[data-branch-id="${branchId}"].current`, { timeout: 5000 });
    }
    // Players see no switch button; the player's tab now lists the branch's own decisions.
    expect(await player.locator('[data-testid="branch-switch"]').count()).toBe(0);
    // The room is paused (nobody pressed play): every page shows exactly the same position.
    const pos = await Promise.all([instructor, player, viewer].map((p) => p.evaluate(() => window.__wardroom!.positionMs())));
    expect(Math.max(...pos) - Math.min(...pos)).toBeLessThan(10);
  }, 60_000);
});
