import './csp.js';
import './styles.css';
import { renderLobby } from './lobby/lobbyView.js';
import { setInstructorKey } from './prefs.js';
import { roomFeatures } from './room/features.js';
import { mountRoom } from './room/roomView.js';

// Two pages, routed by path: `/` is the lobby, `/room/:id` a room. The server's SPA fallback serves
// index.html for both. The room view gets its features from here (no import cycle through the features).

const app = document.getElementById('app');
if (!app) throw new Error('#app missing');

const m = /^\/room\/([A-Za-z0-9_-]{1,128})\/?$/.exec(window.location.pathname);
if (m) {
  // An instructor link (`/room/<id>#key=<instructorKey>`) moves the instructor role to this browser:
  // keep the key, then drop it from the address bar so it is not shared by accident.
  const key = /^#key=([^&]+)$/.exec(window.location.hash)?.[1];
  if (key) {
    setInstructorKey(m[1], decodeURIComponent(key));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const params = new URLSearchParams(window.location.search);
  const role = params.get('role');
  const delivery = params.get('delivery') === 'socket' ? 'socket' : 'segments';
  mountRoom(
    app,
    { roomId: m[1], role: role === 'player' || role === 'viewer' || role === 'instructor' ? role : undefined, delivery },
    roomFeatures,
  );
} else {
  void renderLobby(app);
}
