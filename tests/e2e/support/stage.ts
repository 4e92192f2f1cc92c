import type { Browser } from 'playwright-core';
import { ensureClientBuilt } from './buildClient.js';
import { launchChromium } from './chromium.js';
import { createRoom, listBattles, type BattleListItem } from './rooms.js';
import { bootServer, type BootedServer } from './server.js';

// What every room-based browser suite starts from: the built client, a real server, Chromium and a fresh room.

export interface Stage {
  server: BootedServer;
  browser: Browser;
  battle: BattleListItem;
  roomId: string;
  instructorKey: string;
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
  return {
    server,
    browser,
    battle,
    roomId,
    instructorKey,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}
