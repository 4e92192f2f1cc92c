import { mountAnnotations } from './annotations/index.js';
import { mountBranches } from './branches/mountBranches.js';
import type { RoomFeature } from './context.js';

// The room features main.ts hands to the room view (see context.ts for what each gets). Add a
// feature by importing its mount function here and listing it.

export const roomFeatures: RoomFeature[] = [mountAnnotations, mountBranches];
