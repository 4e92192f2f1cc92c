// What the browser remembers: the viewer's name, a stable client id, and instructor keys per room.

const NAME_KEY = 'wardroom:name';
const CLIENT_KEY = 'wardroom:clientId';
const keyFor = (roomId: string): string => `wardroom:instructorKey:${roomId}`;

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function safeSet(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode / quota: the app still works, it just forgets.
  }
}

export function getName(): string {
  return safeGet(NAME_KEY) ?? '';
}

export function setName(name: string): void {
  safeSet(NAME_KEY, name.trim().slice(0, 40));
}

/** A name to join with: the remembered one, else a generated "Guest 123". */
export function nameOrGuest(): string {
  const n = getName().trim();
  if (n) return n;
  // Same guest name across reloads of this tab (the member keeps its name in the room).
  try {
    const kept = sessionStorage.getItem('wardroom:guest');
    if (kept) return kept;
    const guest = `Guest ${Math.floor(100 + Math.random() * 900)}`;
    sessionStorage.setItem('wardroom:guest', guest);
    return guest;
  } catch {
    return `Guest ${Math.floor(100 + Math.random() * 900)}`;
  }
}

export function clientId(): string {
  // Per tab (sessionStorage) so two tabs of one browser are two members, stable across reloads/rejoins.
  try {
    const existing = sessionStorage.getItem(CLIENT_KEY);
    if (existing) return existing;
    const id = crypto.randomUUID().replace(/-/g, '').slice(0, 24);
    sessionStorage.setItem(CLIENT_KEY, id);
    return id;
  } catch {
    return crypto.randomUUID().replace(/-/g, '').slice(0, 24);
  }
}

export function getInstructorKey(roomId: string): string | null {
  return safeGet(keyFor(roomId));
}

export function setInstructorKey(roomId: string, key: string): void {
  safeSet(keyFor(roomId), key);
}

/** Accepts a full link (http://host/room/abc?role=player), a path, or a bare room id. */
export function parseRoomInput(input: string): { roomId: string; role?: 'player' | 'viewer' } | null {
  const s = input.trim();
  if (!s) return null;
  let path = s;
  let role: string | null = null;
  try {
    const u = new URL(s, window.location.origin);
    path = u.pathname;
    role = u.searchParams.get('role');
    if (!/\/room\//.test(path) && !/^https?:/i.test(s)) path = s;
  } catch {
    path = s;
  }
  const m = /\/room\/([A-Za-z0-9_-]{1,128})/.exec(path);
  const roomId = m ? m[1] : /^[A-Za-z0-9_-]{1,128}$/.test(s) ? s : null;
  if (!roomId) return null;
  return { roomId, role: role === 'player' || role === 'viewer' ? role : undefined };
}
