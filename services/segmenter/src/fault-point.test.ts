import { describe, expect, it } from 'vitest';
import { faultPoints, parseFault } from './fault-point.ts';

describe("the crash test's fault points", () => {
  it('kill at the n-th time the named point is reached, and never without the setting', () => {
    const kills: string[] = [];
    const reach = faultPoints(parseFault('produced:2'), () => kills.push('killed'));
    reach('state_written');
    reach('produced');
    expect(kills).toEqual([]);
    reach('state_written');
    reach('produced');
    expect(kills).toEqual(['killed']);
    const never = faultPoints(parseFault(undefined), () => kills.push('never'));
    for (let i = 0; i < 5; i++) never('produced');
    expect(kills).toEqual(['killed']);
  });

  it('refuses a setting that names no point', () => {
    expect(() => parseFault('after_commit:1')).toThrow(/not a fault point/);
    expect(() => parseFault('produced:0')).toThrow(/not a fault point/);
  });
});
