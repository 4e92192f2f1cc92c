import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Investigation (not a bench mode): what one viewer costs a scale server, beyond the bare socket.io floor.
// Starts tests/bench/scale/server.ts (wardroom or floor), creates the rooms, joins the viewers from
// tests/bench/scale/viewers.ts, and takes a heap snapshot before and after the joins; prints memoryUsage per viewer
// and the snapshot's self sizes grouped by (node type, constructor name), diffed and divided by the viewers.
//   npx tsx tests/bench/scale/heap.ts <wardroom/segments|floor> [battle] [viewers] [rooms] [top]

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [kind = 'wardroom/segments', battle = 'battle-of-terok-nor', nViewers = '2000', nRooms = '20', top = '30'] = process.argv.slice(2);
const N = Number(nViewers);
const R = Number(nRooms);

function child(script: string, args: string[]): ChildProcess {
  return fork(path.join(HERE, script), args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
function next<T>(p: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      p.off('message', on);
      resolve(m as T);
    };
    p.on('message', on);
  });
}

interface Usage {
  rss: number;
  maps: Record<string, number>;
  heapTotal: number;
  spaces: Record<string, number>;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const server = child('server.ts', [kind === 'floor' ? 'floor' : 'wardroom']);
const viewers = child('viewers.ts', []);
try {
  const { port } = await next<{ port: number }>(server, 'ready');
  await next(viewers, 'up');
  const url = `http://127.0.0.1:${port}`;
  const rooms: { roomId: string; instructorKey: string }[] = [];
  for (let i = 0; i < R; i++) {
    const res = await fetch(`${url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ battleId: battle }),
    });
    rooms.push((await res.json()) as { roomId: string; instructorKey: string });
  }
  const usage = async (): Promise<Usage> => {
    server.send({ type: 'rss' });
    return next<Usage>(server, 'rss');
  };
  const snap = async (file: string): Promise<string> => {
    server.send({ type: 'snapshot', file });
    return (await next<{ file: string }>(server, 'snapshot')).file;
  };
  // A warm-up round (WARM=0: none, as the scale bench) so one-off growth (JIT, first join, caches) is not counted per viewer.
  if (process.env.WARM !== '0') {
    viewers.send({ type: 'join', url, rooms, perRoom: 5, delivery: kind === 'floor' ? 'socket' : 'segments' });
    await next(viewers, 'joined');
    viewers.send({ type: 'reset' });
    await next(viewers, 'reset');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const u0 = await usage();
  const snaps = !process.env.NOSNAP;
  const f0 = snaps ? await snap(`/tmp/scaleheap-${process.pid}-0.heapsnapshot`) : '';
  viewers.send({ type: 'join', url, rooms, perRoom: Math.round(N / R), delivery: kind === 'floor' ? 'socket' : 'segments' });
  await next(viewers, 'joined');
  let u1 = await usage();
  if (process.env.SETTLE_MS) {
    console.log(`rss per viewer right after the joins: ${((u1.rss - u0.rss) / 1024 / N).toFixed(2)} KiB`);
    await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS)));
    u1 = await usage();
  }
  const f1 = snaps ? await snap(`/tmp/scaleheap-${process.pid}-1.heapsnapshot`) : '';
  const kb = (a: number, b: number) => ((b - a) / 1024 / N).toFixed(2);
  console.log(
    `${kind} ${battle} ${N}/${R}: per viewer KiB: rss ${kb(u0.rss, u1.rss)}, heapUsed ${kb(u0.heapUsed, u1.heapUsed)}, ` +
      `external ${kb(u0.external, u1.external)}, arrayBuffers ${kb(u0.arrayBuffers, u1.arrayBuffers)}, heapTotal ${kb(u0.heapTotal, u1.heapTotal)}; mappings ${Object.keys(
        u1.maps,
      )
        .map((k) => `${k} ${kb(u0.maps[k], u1.maps[k])}`)
        .join(', ')}; ` +
      `spaces (physical): ${Object.keys(u1.spaces)
        .map((k) => `${k} ${kb(u0.spaces[k] ?? 0, u1.spaces[k])}`)
        .join(', ')}`,
  );
  console.log(
    `rss before ${(u0.rss / 2 ** 20).toFixed(0)} MB, after ${(u1.rss / 2 ** 20).toFixed(0)} MB; new space after ${(u1.spaces.new_space / 2 ** 20).toFixed(1)} MB`,
  );
  if (snaps) {
    const a = groups(f0);
    const b = groups(f1);
    const rows = [...b].map(([k, v]) => {
      const o = a.get(k) ?? { count: 0, size: 0 };
      return { k, count: (v.count - o.count) / N, bytes: (v.size - o.size) / N };
    });
    rows.sort((x, y) => y.bytes - x.bytes);
    const total = rows.reduce((s, r) => s + r.bytes, 0);
    console.log(`snapshot self size per viewer: ${total.toFixed(0)} B`);
    for (const r of rows.slice(0, Number(top)))
      console.log(`${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(7)} x  ${r.k}`);
    if (!process.env.KEEP) {
      rmSync(f0);
      rmSync(f1);
    } else console.log(`kept ${f0} ${f1}`);
  }
} finally {
  viewers.send({ type: 'exit' });
  server.kill('SIGKILL');
}

function groups(file: string): Map<string, { count: number; size: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : s.strings[s.nodes[i + iName]];
    const k = `${type}:${name.slice(0, 60)}`;
    const g = out.get(k);
    if (g) {
      g.count++;
      g.size += s.nodes[i + iSize];
    } else out.set(k, { count: 1, size: s.nodes[i + iSize] });
  }
  return out;
}
