import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { waitReady } from './support/rooms.js';
import { bootStage, type Stage } from './support/stage.js';

// Group votes and what-if statistics in real browsers, from the Branches tab: the instructor opens a
// vote, a player and a viewer vote (the player changes their mind), every page shows the live tallies,
// closing forks the winner and switches the room; then a player runs a small study and everyone sees
// the distribution against history's.

const hasChromium = chromiumAvailable();

const roomBranch = (p: Page) => p.evaluate(() => window.__wardroomBranches?.tree()?.currentBranchId ?? null);
const counts = (p: Page) =>
  p.$$eval('[data-testid="votes"] .vote.open [data-option-id]', (els) =>
    Object.fromEntries(
      els.map((e) => [e.getAttribute('data-option-id'), Number(e.querySelector('[data-testid="vote-count"]')?.textContent)]),
    ),
  );

describe.runIf(hasChromium)('group votes and statistics in the browser', () => {
  let stage: Stage | undefined;
  let instructor: Page;
  let player: Page;
  let viewer: Page;

  beforeAll(async () => {
    stage = await bootStage();
    ({ page: instructor } = await stage.open({ name: 'Instructor', instructorKey: stage.instructorKey }));
    ({ page: player } = await stage.open({ name: 'Player', role: 'player' }));
    ({ page: viewer } = await stage.open({ name: 'Viewer <i>' }));
    for (const p of [instructor, player, viewer]) {
      await p.getByRole('tab', { name: 'Branches' }).click();
      await p.waitForSelector('[data-testid="branch-node"][data-depth="0"]');
    }
  }, 180_000);

  afterAll(async () => {
    await stage?.close();
  });

  it('the instructor opens a vote, the room votes with live tallies, closing forks the winner and switches every page', async () => {
    const historyId = await roomBranch(instructor);
    // Only the instructor gets the opener.
    expect(await player.locator('[data-testid="vote-open"]').count()).toBe(0);
    const decisionId = await instructor.locator('[data-testid="vote-decision"]').inputValue();
    await instructor.getByTestId('vote-open').click();
    for (const p of [instructor, player, viewer]) await p.waitForSelector('[data-testid="votes"] .vote.open');
    expect(await instructor.locator('[data-testid="vote-cast"]').count()).toBe(0); // the instructor breaks ties instead

    const options = await player.$$eval('[data-testid="votes"] .vote.open [data-option-id]', (els) =>
      els.map((e) => ({ id: e.getAttribute('data-option-id')!, historical: !!e.querySelector('.historical-badge') })),
    );
    const alt = options.find((o) => !o.historical)!.id;
    const hist = options.find((o) => o.historical)!.id;
    const castOn = async (p: Page, optionId: string) => {
      await p.locator(`[data-testid="votes"] .vote.open [data-option-id="${optionId}"] [data-testid="vote-cast"]`).click();
      await p.waitForSelector(`[data-testid="votes"] .vote.open [data-option-id="${optionId}"].mine`);
    };
    await castOn(player, hist);
    await castOn(player, alt); // changed their mind
    await castOn(viewer, alt);
    for (const p of [instructor, player, viewer]) {
      await p.waitForFunction(
        ([a, h]) => {
          const n = (id: string) =>
            Number(
              document.querySelector(`[data-testid="votes"] .vote.open [data-option-id="${id}"] [data-testid="vote-count"]`)?.textContent,
            );
          return n(a) === 2 && n(h) === 0;
        },
        [alt, hist] as const,
        { timeout: 10_000 },
      );
    }
    expect((await counts(viewer))[alt]).toBe(2);
    // Each page marks only its own vote.
    expect(await instructor.locator('[data-testid="votes"] .mine').count()).toBe(0);
    // A reload (same browser, same member) gets the open vote, the tallies and its own vote back.
    await viewer.reload();
    await waitReady(viewer);
    await viewer.getByRole('tab', { name: 'Branches' }).click();
    await viewer.waitForSelector(`[data-testid="votes"] .vote.open [data-option-id="${alt}"].mine`, { timeout: 15_000 });
    expect((await counts(viewer))[alt]).toBe(2);

    expect(await instructor.getByTestId('vote-switch').isChecked()).toBe(true);
    await instructor.getByTestId('vote-close').click();
    for (const p of [instructor, player, viewer]) {
      await p.waitForSelector('[data-testid="vote-result"]', { timeout: 60_000 });
      await p.waitForFunction((h) => (window.__wardroomBranches?.tree()?.currentBranchId ?? h) !== h, historyId, { timeout: 30_000 });
    }
    const result = await viewer.getByTestId('vote-result').textContent();
    expect(result).toMatch(/2 of 2 ballots/);
    expect(result).toMatch(/switched/);
    const tree = await viewer.evaluate(() => window.__wardroomBranches!.tree()!);
    const current = tree.branches.find((b) => b.branchId === tree.currentBranchId)!;
    expect(current.decisions.some((d) => d.decisionId === decisionId && d.optionId === alt)).toBe(true);
  }, 120_000);

  it('a player runs N seeds of the room branch; everyone sees progress, then the distribution against history', async () => {
    expect(await viewer.getByTestId('study-run').isDisabled()).toBe(true);
    await player.getByTestId('study-runs').fill('3');
    expect(await player.getByTestId('study-run').textContent()).toBe('Run 3 seeds');
    await player.getByTestId('study-run').click();
    for (const p of [player, viewer]) await p.waitForSelector('[data-testid="study-result"] .study-box', { timeout: 90_000 });
    const winners = await viewer.$$eval('[data-testid="study-winner"]', (els) =>
      els.map((e) => e.querySelector('.study-num')?.textContent ?? ''),
    );
    expect(winners.length).toBeGreaterThan(0);
    const histos = await viewer.$$eval('[data-testid="study-losses"]', (els) => els.map((e) => e.querySelectorAll('rect.branch').length));
    expect(histos.length).toBeGreaterThanOrEqual(2); // one per side
    expect(histos.every((n) => n > 0)).toBe(true);
    expect(await viewer.locator('[data-testid="study-result"] .study-meta').textContent()).toMatch(/^3 seeds from/);
    // The same study again is served from the cache.
    await player.getByTestId('study-run').click();
    await player.waitForFunction(() => document.querySelector('[data-testid="study-status"]')?.textContent?.includes('cache'), undefined, {
      timeout: 10_000,
    });
  }, 120_000);
});
