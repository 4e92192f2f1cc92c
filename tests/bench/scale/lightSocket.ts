import WebSocket from 'ws';

// A light socket.io client for benchmarks: one raw websocket speaking the Engine.IO v4 / socket.io v5 text
// protocol (JSON packets only, which is all Wardroom sends). Thousands fit in one process because nothing is
// decoded unless asked: each frame is counted, and only the events a benchmark names are JSON-parsed.
//
//   engine.io: '0' open, '2' ping (answer '3'), '4' message
//   socket.io (inside '4'): '0' connect, '2' event ["name", ...args], '3' ack <id>[...args]

export interface LightSocketOptions {
  /** Events whose arguments are parsed and handed to onEvent; others only count bytes and get a receipt time. */
  parse?: ReadonlySet<string>;
  onEvent?: (name: string, args: unknown[] | null, at: number) => void;
  /** The websocket closed after it connected (by the server, e.g. a ping timeout, or by close()). */
  onClose?: (code: number) => void;
}

const EVENT_PREFIX = '42["';
/** Bytes decoded to read a packet's kind and event name (names are short). */
const HEAD_BYTES = 96;

export class LightSocket {
  /** Bytes received (frame payloads). */
  bytes = 0;
  private nextAck = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly o: LightSocketOptions,
  ) {}

  static connect(origin: string, o: LightSocketOptions = {}): Promise<LightSocket> {
    const url = `${origin.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const s = new LightSocket(ws, o);
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        s.bytes += data.length;
        if (isBinary) return;
        // Only the head is decoded unless the packet is parsed: a large battle's keyframe is MBs per socket.
        const head = data.toString('utf8', 0, Math.min(data.length, HEAD_BYTES));
        if (head === '2') return void ws.send('3');
        if (head[0] === '0') return void ws.send('40');
        if (head.startsWith('40')) {
          ws.off('error', reject);
          ws.on('error', () => {});
          ws.on('close', (code: number) => o.onClose?.(code));
          return resolve(s);
        }
        s.packet(head, data);
      });
    });
  }

  private packet(head: string, data: Buffer): void {
    const at = Date.now();
    if (head.startsWith(EVENT_PREFIX)) {
      const end = head.indexOf('"', EVENT_PREFIX.length);
      const name = head.slice(EVENT_PREFIX.length, end);
      if (!this.o.onEvent) return;
      const args = this.o.parse?.has(name) ? (JSON.parse(data.toString('utf8', 2)) as unknown[]).slice(1) : null;
      this.o.onEvent(name, args, at);
    } else if (head.startsWith('43')) {
      const text = data.toString();
      const bracket = text.indexOf('[');
      const id = Number(text.slice(2, bracket));
      const cb = this.acks.get(id);
      this.acks.delete(id);
      cb?.(JSON.parse(text.slice(bracket)) as unknown[]);
    }
  }

  /** Emit with an ack; resolves to the ack's first argument. */
  call<T>(event: string, payload: unknown): Promise<T> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, (args) => resolve(args[0] as T));
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
