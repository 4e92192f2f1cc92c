import type { Browser, BrowserContext, Page } from 'playwright-core';

// Helpers shared by the browser tests and the screenshot script: make rooms over HTTP and open
// room pages as an instructor (key pre-seeded in localStorage) or as a viewer/player.

export interface BattleListItem {
  id: string;
  title: string;
  durationMs: number;
}

export async function listBattles(baseUrl: string): Promise<BattleListItem[]> {
  const res = await fetch(`${baseUrl}/api/battles`);
  if (!res.ok) throw new Error(`GET /api/battles ${res.status}`);
  const body = (await res.json()) as unknown;
  const arr = Array.isArray(body) ? body : (body as { battles: unknown }).battles;
  return arr as BattleListItem[];
}

export async function createRoom(baseUrl: string, battleId: string): Promise<{ roomId: string; instructorKey: string }> {
  const res = await fetch(`${baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId }),
  });
  if (!res.ok) throw new Error(`POST /api/rooms ${res.status}: ${await res.text()}`);
  return (await res.json()) as { roomId: string; instructorKey: string };
}

export interface OpenRoomOptions {
  name: string;
  instructorKey?: string;
  role?: 'player' | 'viewer';
  viewport?: { width: number; height: number };
  /** How the page gets the world (default: the app's, segments). */
  delivery?: 'socket' | 'segments';
  /** How long to wait for the room to be ready (default 30 s; a 20,000-unit world takes longer). */
  readyTimeoutMs?: number;
  /** Run in the page before the app's scripts (test instrumentation). */
  initScript?: () => void;
}

export async function openRoomPage(
  browser: Browser,
  baseUrl: string,
  roomId: string,
  o: OpenRoomOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1280, height: 800 } });
  await context.addInitScript(
    ([rid, key, name]) => {
      localStorage.setItem('wardroom:name', name);
      if (key) localStorage.setItem(`wardroom:instructorKey:${rid}`, key);
    },
    [roomId, o.instructorKey ?? '', o.name] as const,
  );
  if (o.initScript) await context.addInitScript(o.initScript);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page ${o.name}] ${err.message}`));
  const params = new URLSearchParams();
  if (o.role) params.set('role', o.role);
  if (o.delivery) params.set('delivery', o.delivery);
  const q = params.size ? `?${params.toString()}` : '';
  await page.goto(`${baseUrl}/room/${roomId}${q}`);
  await waitReady(page, o.readyTimeoutMs);
  return { context, page };
}

export async function waitReady(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(() => window.__wardroom?.ready === true, undefined, { timeout });
}

/** Wait until the page holds a clock at least this new. */
export async function waitClockVersion(page: Page, version: number, timeout = 10_000): Promise<void> {
  await page.waitForFunction((v) => (window.__wardroom?.clockVersion ?? 0) >= v, version, { timeout });
}

/**
 * A room command from `controller` (keyboard ←: seek 10 s back, clamped at 0), awaited on `controller` and every
 * page of `pages`; returns the clock version it made. For checks that something did NOT reach the room (a key a
 * viewer pressed, a preview closed): whatever those pages sent before this command went out (a Playwright round
 * trip later) has been applied by the time this one is, so the room's version then is exactly `before + 1` unless
 * something else changed the room: a positive signal to read at, instead of a guessed wait.
 */
export async function roomBarrier(controller: Page, pages: Page[] = []): Promise<number> {
  const { version } = await sample(controller);
  await controller.locator('body').press('ArrowLeft');
  for (const p of [controller, ...pages]) await waitClockVersion(p, version + 1);
  return (await sample(controller)).version;
}

/** Wait for the page to draw `n` more animation frames (a world that just arrived is on screen after them). */
export async function framesDrawn(page: Page, n = 2): Promise<void> {
  await page.evaluate(async (k) => {
    for (let i = 0; i < k; i++) await new Promise((r) => requestAnimationFrame(r));
  }, n);
}

/**
 * Wait while the room plays `playbackMs` of the battle from where it is now: a condition on the page's own shared
 * position, so a stalled clock fails (timeout) instead of passing after a fixed sleep.
 */
export async function playFor(page: Page, playbackMs: number, timeout = 15_000): Promise<void> {
  const from = await page.evaluate(() => window.__wardroom?.positionMs() ?? 0);
  await page.waitForFunction((to) => (window.__wardroom?.positionMs() ?? 0) >= to, from + playbackMs, { timeout });
}

/** The shared position and the wall-clock instant it was read at (epoch ms, same machine for all pages). */
export async function sample(page: Page): Promise<{ wall: number; pos: number; version: number }> {
  return page.evaluate(() => {
    const w = window.__wardroom;
    if (!w) throw new Error('no __wardroom');
    return { wall: performance.timeOrigin + performance.now(), pos: w.positionMs(), version: w.clockVersion };
  });
}

/**
 * What clock sync cannot tell apart between two pages (ms of server time): each knows the server's clock to within
 * half its fastest ping round trip (NTP's bound), ~1 ms on an idle machine, more when a loaded CI delays the pings.
 */
export async function syncBoundMs(a: Page, b: Page): Promise<number> {
  const rtt = (p: Page) => p.evaluate(() => window.__wardroom?.clockRttMs ?? 0);
  return ((await rtt(a)) + (await rtt(b))) / 2;
}

/** Seek the room by clicking the scrubber at `ms` of the battle (a page that controls playback). */
export async function clickScrubberAt(page: Page, ms: number): Promise<void> {
  const box = await page.getByTestId('scrubber').boundingBox();
  const duration = await page.evaluate(() => window.__wardroom?.durationMs ?? 1);
  if (!box) throw new Error('no scrubber');
  const x = box.x + (box.width * ms) / duration;
  // A marker on the track (an annotation's, a decision's) takes a click meant for the track: 1.5 s from a stop
  // marker is ~3 px on a DS9 scrubber, inside its 12 px. Click at a height where the track itself is hit.
  for (const f of [0.5, 0.3, 0.7, 0.15, 0.85]) {
    const y = box.y + box.height * f;
    const onTrack = await page.evaluate(
      ([px, py]) => {
        const hit = document.elementFromPoint(px, py);
        return !!hit?.closest('[data-testid="scrubber"]') && !hit.closest('button, .decision-marker');
      },
      [x, y] as const,
    );
    if (!onTrack) continue;
    await page.mouse.click(x, y);
    return;
  }
  throw new Error(`a marker covers the scrubber at ${ms} ms: no height there hits the track`);
}
