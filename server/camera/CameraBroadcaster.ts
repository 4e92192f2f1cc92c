import type { CameraState } from '../../shared/protocol/events.js';

// Coalesces camera broadcasts per room: at most one per intervalMs (leading edge at once, then the
// latest state when the interval ends), so a presenter dragging the map costs <= 10 broadcasts per
// second whatever their input rate. A state never goes out after a newer one.

interface Slot {
  lastAt: number;
  lastVersion: number;
  pending: CameraState | null;
  timer: ReturnType<typeof setTimeout> | null;
}

export class CameraBroadcaster {
  private slots = new Map<string, Slot>();

  constructor(
    private readonly send: (roomId: string, s: CameraState) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Coalesced (camera:update). */
  push(roomId: string, s: CameraState): void {
    const slot = this.slot(roomId);
    if (s.version <= slot.lastVersion || (slot.pending && s.version <= slot.pending.version)) return;
    const wait = slot.lastAt + this.intervalMs - this.now();
    if (wait <= 0 && !slot.timer) {
      this.emit(roomId, slot, s);
      return;
    }
    slot.pending = s;
    slot.timer ??= setTimeout(() => this.flush(roomId), Math.max(0, wait));
    slot.timer.unref?.();
  }

  /** At once (present on/off): a newer pending update still follows it. */
  immediate(roomId: string, s: CameraState): void {
    const slot = this.slot(roomId);
    if (s.version <= slot.lastVersion) return;
    if (slot.pending && slot.pending.version <= s.version) slot.pending = null;
    this.emit(roomId, slot, s);
  }

  close(): void {
    for (const s of this.slots.values()) if (s.timer) clearTimeout(s.timer);
    this.slots.clear();
  }

  private slot(roomId: string): Slot {
    let s = this.slots.get(roomId);
    if (!s) this.slots.set(roomId, (s = { lastAt: -Infinity, lastVersion: 0, pending: null, timer: null }));
    return s;
  }

  private flush(roomId: string): void {
    const slot = this.slots.get(roomId);
    if (!slot) return;
    slot.timer = null;
    if (slot.pending) {
      const p = slot.pending;
      slot.pending = null;
      this.emit(roomId, slot, p);
    }
  }

  private emit(roomId: string, slot: Slot, s: CameraState): void {
    slot.lastAt = this.now();
    slot.lastVersion = s.version;
    this.send(roomId, s);
  }
}
