import { describe, expect, it } from 'vitest';
import { CarryMemory } from './carry-forward.ts';

describe('CarryMemory', () => {
  it('keeps the latest value of each field per order, shipment or complaint, whatever the order it learns them in', () => {
    const memory = new CarryMemory();
    memory.remember('S-1', 2, { transportMode: 'SEA' });
    memory.remember('S-1', 1, { transportMode: 'ROAD', port: 'CNSHA' });
    memory.remember('S-1', 3, { port: 'DEHAM' });
    expect(memory.get('S-1')).toEqual({ transportMode: 'SEA', port: 'DEHAM' });
    expect(memory.size).toBe(1);
    expect(memory.get('S-2')).toBeUndefined();
  });
});
