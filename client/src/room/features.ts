import { mountAnnotations } from './annotations/index.js';
import { mountBranches } from './branches/mountBranches.js';
import { mountCamera } from './camera/index.js';
import { mountChat } from './chat/index.js';
import { mountMoments } from './moments/index.js';
import type { RoomFeature } from './context.js';

// The room features main.ts hands to the room view (see context.ts for what each gets). Add a
// feature by importing its mount function here and listing it.

export const roomFeatures: RoomFeature[] = [mountAnnotations, mountBranches, mountChat, mountCamera, mountMoments];
