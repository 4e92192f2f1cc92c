import type { CameraState } from '../../shared/protocol/events.js';
import type { CameraStore } from './store.js';

export class MemoryCameraStore implements CameraStore {
  private cams = new Map<string, CameraState>();

  async getCamera(roomId: string): Promise<CameraState | null> {
    const c = this.cams.get(roomId);
    return c ? structuredClone(c) : null;
  }

  async casCamera(roomId: string, expectedVersion: number, next: CameraState): Promise<boolean> {
    if ((this.cams.get(roomId)?.version ?? 0) !== expectedVersion) return false;
    this.cams.set(roomId, structuredClone(next));
    return true;
  }

  async close(): Promise<void> {}
}
