// Rooms over the public API, for benches whose server runs here or in another process (no server imports).

/** POST /api/rooms for `battleId`; fails naming the status when the server refuses. */
export async function createRoom(url: string, battleId: string): Promise<{ roomId: string; instructorKey: string }> {
  const res = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId }),
  });
  if (res.status !== 201) throw new Error(`POST /api/rooms ${res.status}: ${await res.text()}`);
  return (await res.json()) as { roomId: string; instructorKey: string };
}
