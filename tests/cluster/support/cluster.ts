import { spawnSync } from 'node:child_process';
import { RoomClient, type RoomClientOptions } from '../../../client/lib/roomClient.js';
import { NGINX_BIN } from '../../../deploy/processes.js';

// Helpers for tests against a real cluster (deploy/cluster.ts: redis-server, server processes, nginx).

const has = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;

/** nginx and redis-server present? Under CI their absence is a failure (.ci/run installs them), elsewhere a skip. */
export function clusterToolsAvailable(): boolean {
  const missing = [has(NGINX_BIN, ['-v']) ? null : 'nginx', has('redis-server', ['--version']) ? null : 'redis-server'].filter(Boolean);
  if (!missing.length) return true;
  const line = `missing ${missing.join(', ')} for tests/cluster: apt-get install ${missing.join(' ')}`;
  if (process.env.CI === 'true') throw new Error(line);
  console.warn(`!!! ${line} (skipped)`);
  return false;
}

/**
 * A client through the balancer from its own loopback address (127.0.0.<10+i>): nginx sticks by client
 * address, so distinct addresses spread clients over the processes like distinct browsers would.
 * Websocket only: a browser's polling handshake sticks the same way, but needs no extra proof here.
 */
export function spreadClient(url: string, i: number, o: Omit<RoomClientOptions, 'url'>): RoomClient {
  // engine.io-client passes localAddress on to ws in Node; its browser-facing option types do not list it.
  const nodeOnly: Record<string, unknown> = { localAddress: `127.0.0.${10 + (i % 240)}` };
  return new RoomClient({ url, resyncMs: 0, ...o, socket: { forceNew: true, transports: ['websocket'], ...nodeOnly, ...o.socket } });
}

/** Sockets connected to each server process (its /healthz); -1 for a dead one. */
export async function socketsPerProcess(servers: string[]): Promise<number[]> {
  return Promise.all(
    servers.map(async (url) => {
      try {
        return ((await (await fetch(`${url}/healthz`)).json()) as { sockets: number }).sockets;
      } catch {
        return -1; // dead process
      }
    }),
  );
}

export async function createRoom(url: string, battleId: string): Promise<{ roomId: string; instructorKey: string }> {
  const res = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId }),
  });
  if (res.status !== 201) throw new Error(`createRoom ${res.status}: ${await res.text()}`);
  return (await res.json()) as { roomId: string; instructorKey: string };
}

export const localNow = (): number => performance.timeOrigin + performance.now();

/** Compile the battle on every process before clients join (the clusters run with COMPILE_ON_START=false). */
export async function warm(servers: string[], battleId: string): Promise<void> {
  await Promise.all(servers.map(async (url) => (await fetch(`${url}/api/battles/${battleId}`)).arrayBuffer()));
}
