import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createApp } from '../../../server/app.js';
import { StaticTimelineService } from '../../../server/timelines/StaticTimelineService.js';
import { battleInfo } from '../../../replays/index.js';
import { compileBattle } from '../../../replays/engine/compiler.js';
import { bigBattle } from '../../fixtures/bigBattle.js';
import { ensureClientBuilt } from './buildClient.js';
import { clickScrubberAt, createRoom, openRoomPage, waitClockVersion } from './rooms.js';
import type { BootedServer } from './server.js';
import { TEST_HISTORY_CACHE } from '../../support/histories.js';

// A 20,000-unit world in the real room UI, for tests/e2e/bigWorld.test.ts and `npm run bench -- frames20k`:
// a real server (HTTP, socket.io, segments) serving the built client, one instructor page at "Fit" that
// seeks, plays at 16x and reports frame work and the main thread's long tasks.
// BIG_WORLD picks the world: 'synthetic' compiles tests/fixtures/bigBattle.ts (5,000 vs 15,000) in this
// process and serves it through a StaticTimelineService; a battle id (e.g. 'battle-of-cardassia', once it
// is scaled) uses the engine's own registry like the app does.

export const BIG_WORLD: 'synthetic' | string = process.env.BIG_WORLD ?? 'synthetic';

export interface BigWorldServer extends BootedServer {
  battleId: string;
  durationMs: number;
  /** The sides' colours ('#rrggbb'), to find the drawn wedges in a screenshot. */
  sideColors: string[];
}

/**
 * Boot the server for `world`; the synthetic battle lasts long enough for 10 s at 16x plus a margin. `clientDist`:
 * serve another build of the client (an A/B benchmark's "before": tests/bench/frames/abRoom.ts).
 */
export async function bootBigWorld(world = BIG_WORLD, clientDist?: string): Promise<BigWorldServer> {
  if (clientDist === undefined) await ensureClientBuilt();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  let battleId = world;
  let timelines: StaticTimelineService | undefined;
  let durationMs = 0;
  let branchId = '';
  if (world === 'synthetic') {
    const def = bigBattle({ durationMs: 190_000 });
    const { timeline } = compileBattle(def);
    timelines = new StaticTimelineService().add(battleInfo(def, timeline), timeline);
    battleId = def.info.id;
    durationMs = timeline.durationMs;
    branchId = timeline.branchId;
  }
  // Cardassia from the shared compiled history (tests/support/histories.ts); the synthetic battle is not in replays/.
  const app = createApp({
    logger,
    rateLimit: { points: 1000, durationS: 1 },
    historyCacheDir: TEST_HISTORY_CACHE,
    ...(timelines ? { timelines } : {}),
    ...(clientDist !== undefined ? { clientDist } : {}),
  });
  const port = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  type Listed = { id: string; durationMs: number; sides: { color: string }[] };
  const body = (await (await fetch(`${url}/api/battles`)).json()) as Listed[] | { battles: Listed[] };
  const listed = (Array.isArray(body) ? body : body.battles).find((b) => b.id === battleId);
  if (!listed) throw new Error(`no battle ${battleId}`);
  if (branchId) await warmSegments(url, battleId, branchId);
  return {
    app,
    url,
    battleId,
    durationMs: durationMs || listed.durationMs,
    sideColors: listed.sides.map((x) => x.color),
    close: () => app.close(),
  };
}

/**
 * Build (and cache) every segment on the server before a page asks: at 20,000 units each one is several MB
 * of JSON to compress, and on a loaded machine the page's own first requests would otherwise wait minutes.
 * The page still fetches, decodes and folds every segment itself.
 */
async function warmSegments(url: string, battleId: string, branchId: string): Promise<void> {
  const base = `${url}/api/battles/${encodeURIComponent(battleId)}/branches/${encodeURIComponent(branchId)}`;
  const m = (await (await fetch(`${base}/manifest`)).json()) as { segments?: unknown[] };
  for (let i = 0; i < (m.segments?.length ?? 0); i++) await (await fetch(`${base}/segments/${i}`)).arrayBuffer();
}

export interface LongTask {
  startMs: number;
  durationMs: number;
  /** It contained (part of) one of the page's animation-frame callbacks. */
  inFrame: boolean;
}

export interface PlayWindow {
  longTasks: LongTask[];
  frames: number;
  workMeanMs: number;
  workP95Ms: number;
  workMaxMs: number;
  foldMeanMs: number;
  intervalMeanMs: number;
  units: number;
  renderer: string;
}

/** Installed before the app loads: long tasks and animation-frame callback spans, from `mark` on. */
function instrument(): void {
  const w = window as unknown as { __lt: { s: number; d: number }[]; __frames: number[]; __mark: number };
  w.__lt = [];
  w.__frames = [];
  w.__mark = Infinity;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= w.__mark) w.__lt.push({ s: e.startTime, d: e.duration });
  }).observe({ type: 'longtask', buffered: false });
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) =>
    raf((t) => {
      const s = performance.now();
      try {
        cb(t);
      } finally {
        if (s >= w.__mark) w.__frames.push(s, performance.now());
      }
    });
}

export async function openBigRoom(browser: Browser, server: BigWorldServer): Promise<Page> {
  const { roomId, instructorKey } = await createRoom(server.url, server.battleId);
  const { page } = await openRoomPage(browser, server.url, roomId, {
    name: 'Instructor',
    instructorKey,
    viewport: { width: 1280, height: 800 },
    readyTimeoutMs: 240_000,
    initScript: instrument,
  });
  return page;
}

/**
 * Seek to `atMs`, play at `rate`, skip the first frame after play, then record `windowMs` of playback.
 * `around` runs from the first counted frame to the end of the window (a benchmark's trace).
 */
export async function playWindow(
  page: Page,
  atMs: number,
  rate: number,
  windowMs: number,
  around?: { start(): Promise<void>; stop(): Promise<void> },
): Promise<PlayWindow> {
  const v0 = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
  await clickScrubberAt(page, atMs);
  await waitClockVersion(page, v0 + 1, 30_000);
  // Play (unless a previous window left it playing), then the rate: each is one new clock.
  if ((await page.getByTestId('play-pause').getAttribute('aria-label')) === 'Play') {
    await page.getByTestId('play-pause').click();
    await waitClockVersion(page, v0 + 2, 30_000);
  }
  if ((await page.getByTestId('rate').inputValue()) !== String(rate)) {
    const v1 = await page.evaluate(() => window.__wardroom?.clockVersion ?? 0);
    await page.getByTestId('rate').selectOption(String(rate));
    await waitClockVersion(page, v1 + 1, 30_000);
  }
  // The first frame after play folds up to the new position: from the next one on, everything counts.
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            (window as unknown as { __mark: number }).__mark = performance.now();
            window.__wardroom?.resetFrameStats();
            resolve();
          }),
        ),
      ),
  );
  await around?.start();
  await page.waitForTimeout(windowMs);
  await around?.stop();
  return page.evaluate(() => {
    const w = window as unknown as { __lt: { s: number; d: number }[]; __frames: number[]; __mark: number };
    const frames = w.__frames;
    const longTasks = w.__lt.map(({ s, d }) => {
      let inFrame = false;
      for (let i = 0; i < frames.length && !inFrame; i += 2) inFrame = frames[i] < s + d && frames[i + 1] > s;
      return { startMs: s, durationMs: d, inFrame };
    });
    const st = window.__wardroom?.frameStats();
    const out = {
      longTasks,
      frames: st?.frames ?? 0,
      workMeanMs: st?.drawMeanMs ?? 0,
      workP95Ms: st?.drawP95Ms ?? 0,
      workMaxMs: st?.drawMaxMs ?? 0,
      foldMeanMs: st?.foldMeanMs ?? 0,
      intervalMeanMs: st?.intervalMeanMs ?? 0,
      units: st?.units ?? 0,
      renderer: window.__wardroom?.unitRenderer ?? '',
    };
    w.__lt = [];
    w.__frames = [];
    w.__mark = Infinity;
    return out;
  });
}

/**
 * Screen pixels in the given colours over the map (the sides' or the weapons'), counted once from a screenshot
 * decoded in the page; `hide`: a canvas stacked over the map to hide for the count (the wedges' or the fx').
 */
export async function sideColouredPixels(page: Page, colors: string[], hide: false | 'tactical-units' | 'tactical-fx'): Promise<number> {
  if (hide) await page.getByTestId(hide).evaluate((c) => ((c as HTMLElement).style.visibility = 'hidden'));
  const png = await page.getByTestId('tactical-canvas').screenshot(process.env.BIG_WORLD_SHOT ? { path: process.env.BIG_WORLD_SHOT } : {});
  if (hide) await page.getByTestId(hide).evaluate((c) => ((c as HTMLElement).style.visibility = ''));
  return page.evaluate(
    async ([b64, cols]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      if (!g) return 0;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      // The sides' colours within a small tolerance.
      const rgb = cols.map((h) => [1, 3, 5].map((k) => Number.parseInt(h.slice(k, k + 2), 16)));
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (rgb.some(([r, gg, b]) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - gg) + Math.abs(d[i + 2] - b) < 40)) n++;
      return n;
    },
    [png.toString('base64'), colors] as const,
  );
}
