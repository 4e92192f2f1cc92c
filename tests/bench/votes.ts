import { RoomClient } from '../../client/lib/roomClient.js';
import type { Ack, VoteState } from '../../shared/protocol/events.js';
import { benchServer } from './harness.js';
import { createRoom } from './rooms.js';
import { now } from './time.js';
import { median, pct, type Row } from './stats.js';

/**
 * N real socket.io voters in one room cast at the same moment. Measures the room broadcasts the burst
 * costs (tallies are coalesced), the ack latency of a ballot, and how long until every client holds the
 * final tallies. Clients and server share one process, so latencies include the clients' own work.
 */
export async function benchVotes(n: number): Promise<Row[]> {
  const { app, url, close } = await benchServer();
  const clients: RoomClient[] = [];
  try {
    // The shortest battle: joins (keyframe each) stay cheap; votes do not depend on the battle.
    const listed = (await (await fetch(`${url}/api/battles`)).json()) as { battles: { id: string; durationMs: number }[] };
    const battle = [...listed.battles].sort((a, b) => a.durationMs - b.durationMs)[0].id;
    const { roomId, instructorKey } = await createRoom(url, battle);
    const mk = (name: string, key?: string) =>
      new RoomClient({
        url,
        roomId,
        name,
        instructorKey: key,
        role: key ? undefined : 'viewer',
        pings: 1,
        settleMs: [],
        resyncMs: 0,
        socket: { forceNew: true },
      });
    const inst = mk('Sisko', instructorKey);
    await inst.ready;
    for (let i = 0; i < n; i += 50) {
      const wave = Array.from({ length: Math.min(50, n - i) }, (_, k) => mk(`v${i + k}`));
      await Promise.all(wave.map((c) => c.ready));
      clients.push(...wave);
    }
    type Summary = {
      timeline: { decisionPoints: { id: string; atMs: number | null; options: { id: string; param?: { default: number } }[] }[] };
    };
    const summary = (await (await fetch(`${url}/api/battles/${battle}`)).json()) as Summary;
    const decisionId = summary.timeline.decisionPoints.find((d) => d.atMs !== null)!;
    const opened = (await inst.call('vote:open', { decisionId: decisionId.id })) as Ack<{ vote: VoteState }>;
    if (!opened.ok) throw new Error(opened.error.message);
    const voteId = opened.vote.voteId;
    const options = decisionId.options;
    const done = new Map<RoomClient, number>();
    for (const c of clients) {
      c.socket.on('vote:state', (v) => {
        if (v.voteId === voteId && v.tallies.reduce((a, t) => a + t.count, 0) === n && !done.has(c)) done.set(c, now());
      });
    }
    const before = (await app.metrics.broadcasts.get()).values.find((v) => v.labels.kind === 'vote')?.value ?? 0;
    const t0 = now();
    const acks = await Promise.all(
      clients.map(async (c, i) => {
        const o = options[i % options.length];
        const s = now();
        const r = await c.call('vote:cast', { voteId, optionId: o.id, ...(o.param ? { value: o.param.default } : {}) });
        if (!r.ok) throw new Error(r.error.message);
        return now() - s;
      }),
    );
    const deadline = now() + 10_000;
    while (done.size < n && now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const after = (await app.metrics.broadcasts.get()).values.find((v) => v.labels.kind === 'vote')?.value ?? 0;
    const settle = [...done.values()].map((t) => t - t0);
    return [
      {
        bench: 'votes',
        battle: `${n} voters`,
        value: after - before,
        unit: 'broadcasts',
        note: 'vote:state room broadcasts for the whole burst',
      },
      {
        bench: 'votes',
        battle: `${n} voters`,
        value: median(acks),
        unit: 'ms',
        note: `ballot ack p50 (p95 ${pct(acks, 95).toFixed(0)} ms)`,
      },
      {
        bench: 'votes',
        battle: `${n} voters`,
        value: settle.length ? Math.max(...settle) : NaN,
        unit: 'ms',
        note: `burst start -> last client holds the final tallies (${done.size}/${n} did)`,
      },
    ];
  } finally {
    for (const c of clients) c.close();
    await close();
  }
}
