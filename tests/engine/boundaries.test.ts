import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// The house runs one way: replays/ (battles + engine) -> server/ -> clients. These checks keep it so.
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/from '(\.[^']+)'/g)].map((m) => relative('.', resolve(dirname(file), m[1])));
}

describe('module boundaries', () => {
  it('battles import the engine only through its authoring entry point', () => {
    const bad: string[] = [];
    for (const f of files('replays').filter((f) => !f.startsWith('replays/engine') && f !== 'replays/index.ts')) {
      for (const imp of importsOf(f)) if (imp.startsWith('replays/engine') && imp !== 'replays/engine/index.js') bad.push(`${f} -> ${imp}`);
    }
    expect(bad).toEqual([]);
  });

  it('replays/ never imports server/ or client/', () => {
    const bad = files('replays').flatMap((f) =>
      importsOf(f)
        .filter((i) => /^(server|client)\//.test(i))
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('server/ reaches replays/ only through the registry and compile API (replays/index.ts)', () => {
    const bad = files('server').flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith('replays/') && i !== 'replays/index.js')
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('shared/ imports nothing outside shared/', () => {
    const bad = files('shared').flatMap((f) =>
      importsOf(f)
        .filter((i) => !i.startsWith('shared/'))
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
