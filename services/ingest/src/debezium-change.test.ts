import { describe, expect, it } from 'vitest';
import { comparePositions, parseChange } from './debezium-change.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const row = { order_id: 'O-1', status: 'placed' };

describe('a Debezium change event', () => {
  it("is placed by PostgreSQL's sequence: the last commit before its transaction, then its own LSN", () => {
    const parsed = parseChange(json({ op: 'c', before: null, after: row, source: { lsn: 300, sequence: '["250","300"]', ts_ms: 17 } }));
    expect(parsed).toEqual({ change: { op: 'c', before: null, after: row, position: [250, 300], committedAt: 17 } });
  });

  it('orders the changes of transactions that ran side by side as Debezium sends them (commit order), not by LSN', () => {
    // T2 (change at LSN 110) committed at 120 before T1 (change at LSN 100): T1 is sent after T2.
    const t2 = parseChange(json({ op: 'u', before: row, after: row, source: { lsn: 110, sequence: '["90","110"]' } }));
    const t1 = parseChange(json({ op: 'u', before: row, after: row, source: { lsn: 100, sequence: '["120","100"]' } }));
    if (!('change' in t1) || !('change' in t2)) throw new Error('not parsed');
    expect(comparePositions(t1.change.position, t2.change.position)).toBeGreaterThan(0);
    expect(comparePositions(t2.change.position, t2.change.position)).toBe(0);
  });

  it('compares by LSN alone a change sent before the connector saw a commit (sequence [null, lsn])', () => {
    const first = parseChange(json({ op: 'c', after: row, source: { lsn: 300, sequence: '[null,"300"]' } }));
    if (!('change' in first)) throw new Error('not parsed');
    expect(first.change.position).toEqual([-1, 300]);
    expect(comparePositions(first.change.position, [250, 290])).toBeGreaterThan(0);
    expect(comparePositions([250, 290], first.change.position)).toBeLessThan(0);
    expect(comparePositions(first.change.position, [900, 300])).toBe(0);
  });

  it('takes the LSN alone without a sequence, and MySQL by binlog file, position and row', () => {
    expect(parseChange(json({ op: 'c', after: row, source: { lsn: 42 } }))).toMatchObject({ change: { position: [-1, 42], before: null } });
    expect(parseChange(json({ op: 'c', after: row, source: { file: 'mysql-bin.000007', pos: 1234, row: 2 } }))).toMatchObject({
      change: { position: [7, 1234, 2] },
    });
  });

  it('unwraps the {schema, payload} form of the JSON converter with schemas enabled', () => {
    expect(parseChange(json({ schema: {}, payload: { op: 'd', before: row, after: null, source: { lsn: 5 } } }))).toMatchObject({
      change: { op: 'd', before: row, after: null },
    });
  });

  it('calls a tombstone a tombstone, and names what is wrong with anything else', () => {
    expect(parseChange(null)).toEqual({ tombstone: true });
    expect(parseChange(Buffer.from('{"op": '))).toMatchObject({ problem: expect.stringMatching(/^the value is not JSON/) as unknown });
    expect(parseChange(json({ after: row }))).toEqual({ problem: 'the value is not a Debezium change event (no op)' });
    expect(parseChange(json({ op: 'c', after: row, source: {} }))).toMatchObject({
      problem: expect.stringMatching(/no source position/) as unknown,
    });
    expect(parseChange(json({ op: 'c', after: 'x', source: { lsn: 1 } }))).toEqual({ problem: 'before and after must be rows or null' });
  });
});
