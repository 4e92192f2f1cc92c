import type { LoopMessage } from '../../shared/protocol/events.js';
import type { IO } from '../types.js';
import type { ClockBus, ClockBusMessage } from './ClockBus.js';

/**
 * The clock bus over the socket.io adapter's server-side events (`serverSideEmit`): with the Redis adapter that is
 * one Redis PUBLISH per clock change, on the adapter's own connections, and no process hears its own message.
 * Needs an adapter that supports server-side events (the in-memory default does not; use `noClockBus` there).
 */
export class AdapterClockBus implements ClockBus {
  constructor(private readonly io: IO) {}

  async publish(m: ClockBusMessage): Promise<void> {
    this.io.serverSideEmit('loop:message', m satisfies LoopMessage);
  }

  subscribe(listener: (m: ClockBusMessage) => void): () => void {
    const on = (m: LoopMessage) => listener(m);
    this.io.on('loop:message', on);
    return () => void this.io.off('loop:message', on);
  }
}
