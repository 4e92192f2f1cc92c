import type { CameraHooks } from '../../../client/src/room/camera/index.js';
import type { ChatHooks } from '../../../client/src/room/chat/index.js';
import type { MomentHooks } from '../../../client/src/room/moments/index.js';

// Test hooks of the camera, chat and moment-link features (see windowHooks.ts for why they are restated).
declare global {
  interface Window {
    __wardroomCamera?: CameraHooks;
    __wardroomChat?: ChatHooks;
    __wardroomMoment?: MomentHooks;
  }
}
