import type { BranchManifest } from '../../../shared/battle/segments.js';
import type { TimelineService } from '../TimelineService.js';
import type { EncodedSegment } from './encode.js';
import { Segmenter } from './Segmenter.js';
import type { BranchRecipe, SegmentProgress, SegmentSource } from './types.js';

/** Segments of any TimelineService's finished timelines, built on this thread (static timelines, tests). */
export class TimelineSegmentSource implements SegmentSource {
  private listeners: ((p: SegmentProgress) => void)[] = [];
  private readonly segmenter = new Segmenter((p) => {
    for (const fn of this.listeners) fn(p);
  });

  constructor(private readonly timelines: Pick<TimelineService, 'timeline'>) {}

  onProgress(fn: (p: SegmentProgress) => void): void {
    this.listeners.push(fn);
  }

  async manifest(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<BranchManifest | null> {
    const tl = await this.timelines.timeline(battleId, branchId, recipe?.decisions);
    return tl ? this.segmenter.complete(tl) : null;
  }

  async segment(battleId: string, branchId: string, index: number, recipe?: BranchRecipe): Promise<EncodedSegment | null> {
    const tl = await this.timelines.timeline(battleId, branchId, recipe?.decisions);
    return tl ? this.segmenter.segment(tl, index) : null;
  }
}
