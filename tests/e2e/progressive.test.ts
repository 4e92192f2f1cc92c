import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { openRoomPage } from './support/rooms.js';
import { bootStage, type Stage } from './support/stage.js';

// A progressive fork in the browser: the fork is acked as soon as the segment holding the fork point is built,
// and the page previews it while the server still simulates the rest. Every frame drawn holds no event past the
// frontier the page knows (its latest manifest's compiledMs), and it plays on as the manifest grows until the
// branch is complete.
//
// The server paces its fork worker (a test hook: at least PACE_MS of wall time per segment), so the fork stays
// compiling for seconds however fast the machine simulates: a DS9 fork alone completes in ~0.5 s and used to
// finish before the page saw it pending. Every wait is on state (pending list, manifest frontier, tree), never a
// fixed delay. 400 ms: the page's seek to just behind the frontier lands before the segment in progress is listed
// (with 150 ms a loaded CI machine listed it first, and the page fetched it whole: no part, a red run).

const PACE_MS = 400;

const hasChromium = chromiumAvailable();

interface Sample {
  t: number | null;
  compiledMs: number | null;
  complete: boolean | null;
  pos: number;
}

describe.runIf(hasChromium)('progressive fork in the browser', () => {
  let stage: Stage | undefined;
  let context: BrowserContext;
  let player: Page;

  beforeAll(async () => {
    // The biggest battle: its fork takes long enough to compile to be watched while it does.
    // The longest battle (most segments after the fork point), its fork paced by the server.
    stage = await bootStage((battles) => [...battles].sort((a, b) => b.durationMs - a.durationMs)[0], { forkSegmentPaceMs: PACE_MS });
    ({ context, page: player } = await openRoomPage(stage.browser, stage.server.url, stage.roomId, { name: 'Player', role: 'player' }));
  }, 240_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await stage?.close();
  });

  it('plays while it compiles and never shows an event past the frontier', async () => {
    await player.getByRole('tab', { name: 'Branches' }).click();
    await player.waitForFunction(() => (window.__wardroomBranches?.tree()?.branches.length ?? 0) >= 1, undefined, { timeout: 60_000 });
    const target = await player.evaluate(() => {
      const tree = window.__wardroomBranches!.tree()!;
      const dp = [...tree.branches[0].decisionPoints].filter((p) => p.atMs !== null).sort((a, b) => a.atMs! - b.atMs!)[0];
      return { decisionId: dp.id, optionId: dp.options.find((o) => !o.historical)!.id };
    });
    // Record every frame of the preview from the moment it opens: what it drew and the frontier it knew.
    await player.evaluate(() => {
      const w = window as unknown as { __samples: Sample[]; __stopSampling: boolean };
      w.__samples = [];
      w.__stopSampling = false;
      const tick = (): void => {
        const c = window.__wardroomCompare;
        if (c?.mode === 'preview' && c.ready) {
          const f = c.left.frontier();
          w.__samples.push({
            t: c.left.worldT(),
            compiledMs: f?.compiledMs ?? null,
            complete: f?.complete ?? null,
            pos: c.left.positionMs(),
          });
        }
        if (!w.__stopSampling) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    // The page's requests for parts: the newest events of the fork, past its last listed segment, while it compiles.
    const partRequests: string[] = [];
    player.on('request', (r) => {
      if (r.url().includes('/parts/')) partRequests.push(r.url());
    });
    const item = player.locator(`[data-decision-id="${target.decisionId}"]`);
    await item.locator(`input[type="radio"][data-option-id="${target.optionId}"]`).check();
    await item.getByTestId('fork-button').click();
    // The ack comes at the fork point's segment: the fork is compiling, and previewable at once. The page lists
    // it as pending until its record (complete: false) reaches the room's tree, which may come first: either will do.
    const branchId = await player
      .waitForFunction(
        (decisionId) =>
          window.__wardroomBranches?.pending()[0] ??
          window.__wardroomBranches?.tree()?.branches.find((b) => b.fork?.decisionId === decisionId && b.complete === false)?.branchId,
        target.decisionId,
        { timeout: 60_000 },
      )
      .then((h) => h.jsonValue());
    await player.evaluate((id) => window.__wardroomBranches!.preview(id), branchId as string);
    await player.waitForFunction(() => window.__wardroomCompare?.mode === 'preview' && window.__wardroomCompare.ready, undefined, {
      timeout: 30_000,
    });
    // Play the preview on its own clock from the fork point.
    await player.evaluate(() => {
      const c = window.__wardroomCompare!;
      c.seek(c.forkMs ?? 0);
      c.play();
    });
    // Then to the frontier: a seek just behind where the fork is compiled to plays on into the segment still being
    // simulated (or one listed with its parts), which the page follows through parts (no start state to fetch).
    await player.waitForFunction(
      () => (window as unknown as { __samples: Sample[] }).__samples.filter((s) => s.complete === false && s.t !== null).length >= 3,
      undefined,
      { timeout: 30_000 },
    );
    await player.evaluate(() => {
      const c = window.__wardroomCompare!;
      const f = c.left.frontier();
      if (f && !f.complete) c.seek(Math.max(c.forkMs ?? 0, f.compiledMs - 100));
    });
    // Until the preview's manifest says the branch is complete, and a few frames after.
    await player.waitForFunction(() => window.__wardroomCompare?.left.frontier()?.complete === true, undefined, { timeout: 180_000 });
    // A few frames drawn with the complete manifest.
    await player.waitForFunction(
      () => (window as unknown as { __samples: Sample[] }).__samples.filter((s) => s.complete === true && s.t !== null).length >= 5,
      undefined,
      { timeout: 30_000 },
    );
    const samples = await player.evaluate(() => {
      const w = window as unknown as { __samples: Sample[]; __stopSampling: boolean };
      w.__stopSampling = true;
      return w.__samples;
    });
    const drawn = samples.filter((s) => s.t !== null && s.compiledMs !== null);
    expect(drawn.length).toBeGreaterThan(10);
    // Never an event past the frontier known when the frame was drawn.
    for (const s of drawn) expect(s.t!).toBeLessThanOrEqual(s.compiledMs!);
    // It drew frames while the branch was still compiling, moving forward, and ended complete.
    const whileCompiling = drawn.filter((s) => s.complete === false);
    console.log(
      `[progressive] ${drawn.length} frames, ${whileCompiling.length} while compiling; frontier ${whileCompiling[0]?.compiledMs} -> ${drawn.at(-1)?.compiledMs} ms; ${partRequests.length} parts fetched`,
    );
    expect(whileCompiling.length).toBeGreaterThan(0);
    // It followed the frontier through parts (the client library's PartTail, in the browser), not segments alone.
    expect(partRequests.length).toBeGreaterThan(0);
    // Paced, the frontier moved while the page drew: more than one frontier seen before completion.
    expect(new Set(whileCompiling.map((s) => s.compiledMs)).size).toBeGreaterThan(1);
    expect(drawn.at(-1)!.complete).toBe(true);
    expect(drawn.at(-1)!.pos).toBeGreaterThan(drawn[0].pos);
  }, 240_000);

  it('the instructor moves the room onto a fork still compiling: it plays up to the frontier, never past it, to the end', async () => {
    const { page: inst } = await stage!.open({ name: 'Sisko', instructorKey: stage!.instructorKey });
    await inst.getByRole('tab', { name: 'Branches' }).click();
    await inst.waitForFunction(() => (window.__wardroomBranches?.tree()?.branches.length ?? 0) >= 1, undefined, { timeout: 60_000 });
    // A fork not made yet: the first test took the earliest decision's first alternative.
    const target = await inst.evaluate(() => {
      const tree = window.__wardroomBranches!.tree()!;
      const points = [...tree.branches[0].decisionPoints].filter((p) => p.atMs !== null).sort((a, b) => a.atMs! - b.atMs!);
      const pairs = points.flatMap((p) => p.options.filter((o) => !o.historical).map((o) => ({ decisionId: p.id, optionId: o.id })));
      return pairs[1];
    });
    // Every frame the room's page draws: the world's time, the frontier it knew, the branch.
    await inst.evaluate(() => {
      const w = window as unknown as {
        __room: { t: number | null; compiledMs: number | null; complete: boolean | null; branch: string | null }[];
      };
      w.__room = [];
      const tick = (): void => {
        const h = window.__wardroom!;
        const seg = h.segments();
        w.__room.push({ t: h.worldT, compiledMs: seg.compiledMs, complete: seg.complete, branch: h.stateBranchId });
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const item = inst.locator(`[data-decision-id="${target.decisionId}"]`);
    await item.locator(`input[type="radio"][data-option-id="${target.optionId}"]`).check();
    await item.getByTestId('fork-button').click();
    const branchId = (await inst
      .waitForFunction(
        (decisionId) =>
          window.__wardroomBranches?.tree()?.branches.find((b) => b.fork?.decisionId === decisionId && b.complete === false)?.branchId,
        target.decisionId,
        { timeout: 60_000 },
      )
      .then((h) => h.jsonValue())) as string;
    // Switched while it compiles: the room follows at once, from the fork point, at 16x.
    await inst.locator(`[data-branch-id="${branchId}"]`).getByTestId('branch-switch').click();
    await inst.waitForFunction((id) => window.__wardroom?.stateBranchId === id, branchId, { timeout: 15_000 });
    expect(await inst.evaluate(() => window.__wardroom!.segments().complete)).toBe(false);
    // The time label says the branch's length is only how far it is compiled.
    await inst.waitForFunction(() => /so far · compiling$/.test(document.querySelector('[data-testid="time-label"]')?.textContent ?? ''));
    await inst.getByTestId('rate').selectOption('16');
    await inst.getByTestId('play-pause').click();
    await inst.waitForFunction(() => window.__wardroom?.segments().complete === true, undefined, { timeout: 180_000 });
    await inst.waitForFunction(() => !/compiling/.test(document.querySelector('[data-testid="time-label"]')?.textContent ?? ''));
    // A few frames drawn with the complete manifest.
    const seen = await inst.evaluate(() => (window as unknown as { __room: unknown[] }).__room.length);
    await inst.waitForFunction((n) => (window as unknown as { __room: unknown[] }).__room.length > n + 5, seen);
    const frames = await inst.evaluate((id) => {
      const w = window as unknown as {
        __room: { t: number | null; compiledMs: number | null; complete: boolean | null; branch: string | null }[];
      };
      return w.__room.filter((f) => f.branch === id && f.t !== null && f.compiledMs !== null);
    }, branchId);
    const whileCompiling = frames.filter((f) => f.complete === false);
    console.log(`[progressive] the room on a compiling fork: ${frames.length} frames, ${whileCompiling.length} while compiling`);
    expect(whileCompiling.length).toBeGreaterThan(0);
    for (const f of frames) expect(f.t!).toBeLessThanOrEqual(f.compiledMs!);
    // Once complete, the room's clock ends where the branch does.
    const ends = await inst.evaluate(() => [window.__wardroom!.durationMs, window.__wardroom!.segments().compiledMs]);
    expect(ends[0]).toBe(ends[1]);
  }, 300_000);

  it('compares a fork still compiling with history: "compiling…" where its outcome will be, then its outcome, in place', async () => {
    // The first test's preview is still open over the page.
    await player.evaluate(() => window.__wardroomCompare?.close());
    // A fork not made yet, as early as can be (the longest left to compile, paced: the check below sees it pending):
    // another value of the earliest quantity (the tests above took the first two alternative options).
    const target = await player.evaluate(() => {
      const tree = window.__wardroomBranches!.tree()!;
      const points = [...tree.branches[0].decisionPoints].filter((p) => p.atMs !== null).sort((a, b) => a.atMs! - b.atMs!);
      for (const p of points)
        for (const o of p.options) {
          if (!o.param) continue;
          const value = o.param.min !== o.param.default ? o.param.min : o.param.max;
          return { decisionId: p.id, optionId: o.id, value, historyId: tree.historyBranchId };
        }
      throw new Error('no quantity to fork on');
    });
    const item = player.locator(`[data-decision-id="${target.decisionId}"]`);
    await item.locator(`input[type="radio"][data-option-id="${target.optionId}"]`).check();
    await item.locator(`input[type="range"][data-option-id="${target.optionId}"]`).fill(String(target.value));
    await item.getByTestId('fork-button').click();
    const branchId = (await player
      .waitForFunction(
        ([decisionId, optionId, value]) =>
          window.__wardroomBranches
            ?.tree()
            ?.branches.find(
              (b) =>
                b.fork?.decisionId === decisionId && b.decisions.some((d) => d.optionId === optionId && d.value === value) && !b.complete,
            )?.branchId,
        [target.decisionId, target.optionId, target.value] as const,
        { timeout: 60_000 },
      )
      .then((h) => h.jsonValue())) as string;
    // Its node in the tree says it is compiling (its record's outcome is a placeholder until then).
    const outcome = player.locator(`[data-branch-id="${branchId}"] [data-testid="branch-outcome"]`);
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/^Compiling/);
    await player.evaluate(([a, b]) => window.__wardroomBranches!.compare(a, b), [target.historyId, branchId] as const);
    await player.waitForFunction(() => window.__wardroomCompare?.mode === 'compare' && window.__wardroomCompare.ready, undefined, {
      timeout: 60_000,
    });
    const winner = player.locator('.diff-table tr[data-row="Winner"]');
    await winner.waitFor({ timeout: 30_000 });
    // While it compiles (paced: seconds): its cells say so; history's have figures.
    expect(await winner.getAttribute('class')).toBe('pending');
    expect(await winner.locator('td').nth(1).textContent()).toBe('compiling…');
    expect(await winner.locator('td').nth(0).textContent()).not.toBe('compiling…');
    expect(await player.getByTestId('pane-status-1').textContent()).toContain('(compiling)');
    // Then, without reopening, the outcome the branch ended with (as the tree has it once complete).
    await player.waitForFunction(
      () => !document.querySelector('.diff-table tr[data-row="Winner"]')?.classList.contains('pending'),
      undefined,
      { timeout: 180_000 },
    );
    expect(await winner.locator('td').nth(1).textContent()).not.toBe('compiling…');
    expect(await player.locator('.diff-table tr.pending').count()).toBe(0);
    expect(await player.getByTestId('pane-status-1').textContent()).not.toContain('compiling');
    await player.getByTestId('compare-close').click();
    await player.waitForFunction(
      (id) => /Losses:/.test(document.querySelector(`[data-branch-id="${id}"] [data-testid="branch-outcome"]`)?.textContent ?? ''),
      branchId,
      { timeout: 30_000 },
    );
  }, 300_000);
});
