import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';

// The battle CLI rejects bad input with exit code 2 and a message naming the valid choices.

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'server/cli/battle.ts', ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('battle CLI bad input', () => {
  const def = battles[0];
  const d = def.decisions[0];
  const withParam = battles.flatMap((b) => b.decisions.map((x) => ({ b, x, o: x.options.find((o) => o.param) }))).find((e) => e.o);

  it('unknown battle names the valid battles', async () => {
    const r = await cli(['compile', 'no-such-battle', '--json']);
    expect(r.code).toBe(2);
    for (const b of battles) expect(r.stderr).toContain(b.info.id);
    expect(r.stdout).toBe('');
  });

  it('unknown decision and unknown option name the valid ones', async () => {
    const r1 = await cli(['compile', def.info.id, '--decide', 'no-such-decision=x']);
    expect(r1.code).toBe(2);
    for (const x of def.decisions) expect(r1.stderr).toContain(x.id);
    const r2 = await cli(['compile', def.info.id, '--decide', `${d.id}=no-such-option`]);
    expect(r2.code).toBe(2);
    for (const o of d.options) expect(r2.stderr).toContain(o.id);
  });

  it('values out of range and malformed --decide are rejected', async () => {
    expect(withParam).toBeDefined();
    const { b, x, o } = withParam!;
    const r1 = await cli(['compile', b.info.id, '--decide', `${x.id}=${o!.id}:${o!.param!.max + 1000}`]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`${o!.param!.min}..${o!.param!.max}`);
    const r2 = await cli(['compile', b.info.id, '--decide', 'garbage']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/decisionId=optionId/);
    const r3 = await cli(['frobnicate']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/list, compile, study/);
    const r4 = await cli(['study', b.info.id, '--runs', 'many']);
    expect(r4.code).toBe(2);
  });
});
