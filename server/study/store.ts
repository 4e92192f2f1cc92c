import type { StudyResultMsg } from '../../shared/protocol/events.js';
import type { RedisClient } from '../store/redis.js';

// Finished studies per room: the cache by (branch, runs, seed) and the room's export. A small
// interface of its own (not the big Store), memory and Redis, one contract suite.

export const studyKey = (branchId: string, runs: number, seed: number): string => `${branchId}|${runs}|${seed}`;

export interface StudyStore {
  /** First write wins (the same key always holds the same numbers: studies are deterministic). */
  putResult(roomId: string, key: string, result: StudyResultMsg): Promise<void>;
  getResult(roomId: string, key: string): Promise<StudyResultMsg | null>;
  /** Ordered by finishedAt. */
  listResults(roomId: string): Promise<StudyResultMsg[]>;
  close(): Promise<void>;
}

const byTime = (a: StudyResultMsg, b: StudyResultMsg) => a.finishedAt - b.finishedAt || a.studyId.localeCompare(b.studyId);

export class MemoryStudyStore implements StudyStore {
  private readonly rooms = new Map<string, Map<string, StudyResultMsg>>();

  async putResult(roomId: string, key: string, result: StudyResultMsg): Promise<void> {
    let r = this.rooms.get(roomId);
    if (!r) this.rooms.set(roomId, (r = new Map()));
    if (!r.has(key)) r.set(key, structuredClone(result));
  }

  async getResult(roomId: string, key: string): Promise<StudyResultMsg | null> {
    const r = this.rooms.get(roomId)?.get(key);
    return r ? structuredClone(r) : null;
  }

  async listResults(roomId: string): Promise<StudyResultMsg[]> {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map((r) => structuredClone(r)).sort(byTime);
  }

  async close(): Promise<void> {}
}

/** Layout: room:<id>:studies, a hash key -> JSON StudyResultMsg (HSETNX: first write wins). */
export class RedisStudyStore implements StudyStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
    /** The room TTL (issue #12): the hash expires with its room. */
    private readonly ttlMs?: number,
  ) {}

  private key(roomId: string): string {
    return `${this.prefix}room:${roomId}:studies`;
  }

  async putResult(roomId: string, key: string, result: StudyResultMsg): Promise<void> {
    if (this.ttlMs === undefined) await this.client.hSetNX(this.key(roomId), key, JSON.stringify(result));
    else await this.client.multi().hSetNX(this.key(roomId), key, JSON.stringify(result)).pExpire(this.key(roomId), this.ttlMs).exec();
  }

  async getResult(roomId: string, key: string): Promise<StudyResultMsg | null> {
    const json = await this.client.hGet(this.key(roomId), key);
    return json ? (JSON.parse(json) as StudyResultMsg) : null;
  }

  async listResults(roomId: string): Promise<StudyResultMsg[]> {
    const all = await this.client.hGetAll(this.key(roomId));
    return Object.values(all)
      .map((j) => JSON.parse(j) as StudyResultMsg)
      .sort(byTime);
  }

  async close(): Promise<void> {}
}
