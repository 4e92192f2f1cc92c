import type { CameraState } from '../../shared/protocol/events.js';

// The room's presented camera: one small versioned record, written with a compare-and-set on `version`
// so two processes (or a present racing an update) never overwrite each other.

export interface CameraStore {
  getCamera(roomId: string): Promise<CameraState | null>;
  /** Write `next` only when the stored version equals expectedVersion (0 when nothing is stored yet). */
  casCamera(roomId: string, expectedVersion: number, next: CameraState): Promise<boolean>;
  close(): Promise<void>;
}
