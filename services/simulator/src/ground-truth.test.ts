import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeGroundTruth } from './ground-truth.ts';
import { Simulation } from './simulation.ts';

function simulatedTruth(seed: number) {
  const simulation = new Simulation({ seed, customers: 150, days: 365, start: '2025-01-01' });
  expect([...simulation.days()]).toHaveLength(365); // the stories are known once the span is lived
  return simulation.groundTruth();
}

describe('the ground-truth file', () => {
  it('has one JSON line per customer with its archetype, tier and story', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ground-truth-')), 'nested', 'truth.jsonl');
    writeGroundTruth(path, simulatedTruth(9));
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(150);
    expect(new Set(lines.map((l) => l.customerId)).size).toBe(150);
    const time = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v));
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'customerId',
        'archetype',
        'industry',
        'customerType',
        'country',
        'region',
        'valueTier',
        'signedUpAt',
        'acquiredDuringSpan',
        'decliningFrom',
        'churnedAt',
        'churnCause',
        'wonBackAt',
      ]);
      expect(line.customerId).toMatch(/^C9-\d{6}$/);
      expect(['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER']).toContain(line.industry);
      expect(['high', 'medium', 'low']).toContain(line.valueTier);
      expect([line.decliningFrom, line.churnedAt, line.wonBackAt].every(time)).toBe(true);
      if (line.wonBackAt !== null) expect(line.churnedAt).not.toBeNull();
      if (line.churnedAt !== null) expect(line.churnCause).not.toBeNull();
    }
    expect(lines.some((l) => l.churnedAt !== null)).toBe(true);
    expect(new Set(lines.map((l) => l.archetype)).size).toBeGreaterThanOrEqual(6);
  });

  it('is byte-identical for the same simulation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ground-truth-'));
    writeGroundTruth(join(dir, 'a.jsonl'), simulatedTruth(4));
    writeGroundTruth(join(dir, 'b.jsonl'), simulatedTruth(4));
    expect(readFileSync(join(dir, 'a.jsonl'))).toEqual(readFileSync(join(dir, 'b.jsonl')));
  });
});
