import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuilt } from './support/buildClient.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { waitReady } from './support/rooms.js';
import { bootServer, type BootedServer } from './support/server.js';

// The lobby in a real browser: lists the battles, creates a room, hands out share links, and the
// creator lands in the room as its instructor with a map that is actually drawn.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('lobby', () => {
  let server: BootedServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await bootServer();
    browser = await launchChromium();
    // Warm the server (the first listing compiles the battles) inside the hook's longer timeout.
    await fetch(`${server.url}/api/battles`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the three battles and creates a room the creator instructs', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    const cards = page.locator('.battle');
    await cards.nth(2).waitFor();
    expect(await cards.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect((await cards.nth(i).locator('h3').textContent())?.trim().length).toBeGreaterThan(0);
      expect(await cards.nth(i).locator('.meta').textContent()).toMatch(/\d+:\d\d$/);
    }

    // A name with markup stays text (never injected as HTML).
    await page.locator('#name').fill('<b>Sisko</b>');
    await cards.nth(0).getByRole('button', { name: 'Create room' }).click();
    const viewerLink = await page.getByTestId('viewer-link').inputValue();
    const playerLink = await page.getByTestId('player-link').inputValue();
    const instructorLink = await page.getByTestId('instructor-link').inputValue();
    const m = /\/room\/([A-Za-z0-9_-]+)$/.exec(viewerLink);
    expect(m).not.toBeNull();
    const roomId = m?.[1] ?? '';
    expect(playerLink).toBe(`${viewerLink}?role=player`);
    expect(instructorLink.startsWith(`${viewerLink}#key=`)).toBe(true);
    expect(await page.evaluate((id) => localStorage.getItem(`wardroom:instructorKey:${id}`), roomId)).toBeTruthy();
    const res = await fetch(`${server.url}/api/rooms/${roomId}`);
    expect(res.status).toBe(200);

    await page.getByTestId('enter-room').click();
    await page.waitForURL(`**/room/${roomId}`);
    await waitReady(page);
    expect(await page.evaluate(() => window.__wardroom?.role)).toBe('instructor');
    expect(await page.getByTestId('role-badge').textContent()).toBe('instructor');
    const me = page.locator('.member-name', { hasText: '(you)' });
    expect(await me.textContent()).toBe('<b>Sisko</b> (you)');
    expect(await page.locator('.member-name b').count()).toBe(0);

    // The canvas shows something besides the background: sample its pixels.
    const lit = await page.evaluate(() => {
      const c = document.querySelector('canvas.tactical-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!d) return 0;
      let n = 0;
      for (let i = 0; i < d.length; i += 4 * 7) if (d[i] + d[i + 1] + d[i + 2] > 120) n++;
      return n;
    });
    expect(lit).toBeGreaterThan(50);
    expect(errors).toEqual([]);
    await context.close();

    // The private instructor link hands the role to another browser, and leaves the address bar clean.
    const other = await browser.newContext();
    const page2 = await other.newPage();
    await page2.goto(instructorLink);
    await waitReady(page2);
    expect(await page2.evaluate(() => window.__wardroom?.role)).toBe('instructor');
    expect(new URL(page2.url()).hash).toBe('');
    await other.close();
  });

  it('joins a room from a pasted player link', async () => {
    const res = await fetch(`${server.url}/api/battles`);
    const body = (await res.json()) as unknown;
    const battles = (Array.isArray(body) ? body : (body as { battles: { id: string }[] }).battles) as { id: string }[];
    const created = (await (
      await fetch(`${server.url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Not the first battle listed (the link names the room, not a default), and not the 20,000-unit Cardassia,
        // whose history the server may still be compiling when this test runs.
        body: JSON.stringify({ battleId: (battles.find((b) => b.id.includes('terok-nor')) ?? battles[1]).id }),
      })
    ).json()) as { roomId: string };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.locator('#join-input').fill(`${server.url}/room/${created.roomId}?role=player`);
    await page.locator('#join-input').press('Enter');
    await page.waitForURL(`**/room/${created.roomId}?role=player`);
    await waitReady(page);
    expect(await page.evaluate(() => window.__wardroom?.role)).toBe('player');
    expect(await page.getByTestId('play-pause').isDisabled()).toBe(true);
    await context.close();
  });

  it('says so when the room does not exist', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/room/no-such-room-here`);
    const overlay = page.getByTestId('room-overlay');
    await overlay.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await overlay.textContent()).toMatch(/Cannot join this room/);
    expect(await page.evaluate(() => window.__wardroom?.ready)).toBe(false);
    await context.close();
  });
});
