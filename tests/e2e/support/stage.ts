import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureClientBuilt } from './buildClient.js';
import { launchChromium } from './chromium.js';
import { createRoom, listBattles, openRoomPage, type BattleListItem, type OpenRoomOptions } from './rooms.js';
import { bootServer, type BootedServer } from './server.js';

// What every room-based browser suite starts from: the built client, a real server, Chromium and a fresh room.

export interface Stage {
  server: BootedServer;
  browser: Browser;
  battle: BattleListItem;
  roomId: string;
  instructorKey: string;
  /** Open a member's page in the stage's room (or in `roomId`); its browser context is closed with the stage. */
  open(o: OpenRoomOptions, roomId?: string): Promise<{ context: BrowserContext; page: Page }>;
  /** Close `context` with the stage (one the test opened by hand). */
  track(context: BrowserContext): BrowserContext;
  /** Pages' contexts, then the browser, then the server. */
  close(): Promise<void>;
}

/** The smallest battle keeps a suite quick; room logic does not depend on battle size. */
const smallest = (battles: BattleListItem[]): BattleListItem => [...battles].sort((a, b) => a.durationMs - b.durationMs)[0];

export async function bootStage(
  pick: (battles: BattleListItem[]) => BattleListItem = smallest,
  serverOpts: Parameters<typeof bootServer>[0] = {},
): Promise<Stage> {
  await ensureClientBuilt();
  const server = await bootServer(serverOpts);
  const browser = await launchChromium();
  const battle = pick(await listBattles(server.url));
  const { roomId, instructorKey } = await createRoom(server.url, battle.id);
  const contexts: BrowserContext[] = [];
  const track = (context: BrowserContext): BrowserContext => {
    contexts.push(context);
    return context;
  };
  return {
    server,
    browser,
    battle,
    roomId,
    instructorKey,
    async open(o, room = roomId) {
      const opened = await openRoomPage(browser, server.url, room, o);
      track(opened.context);
      return opened;
    },
    track,
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}
