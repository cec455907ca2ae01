import { describe, it, expect } from 'vitest';
import { evaluateValueTier, type ValueTier, type ValueTierRules } from './value-tier.ts';

// Small, distinct thresholds so every band is easy to aim at.
const rules: ValueTierRules = { highEnter: 1000, highExit: 800, mediumEnter: 200, mediumExit: 150 };

const verdict = (lifetimeValue: number, current?: string) => evaluateValueTier({ lifetimeValue }, current, rules);

describe('evaluateValueTier', () => {
  describe('a customer with no tier yet', () => {
    it.each<[number, ValueTier, string]>([
      [0, 'low', 'value_tier.low'],
      [199.99, 'low', 'value_tier.low'],
      [200, 'medium', 'value_tier.medium.enter'],
      [999.99, 'medium', 'value_tier.medium.enter'],
      [1000, 'high', 'value_tier.high.enter'],
      [250_000, 'high', 'value_tier.high.enter'],
    ])('with lifetime value %d is %s by rule %s', (ltv, segment, rule) => {
      expect(verdict(ltv)).toEqual({ segment, rule, features: { lifetimeValue: ltv } });
    });

    it('ignores the exit thresholds: 900 is not enough to enter high, 170 not enough for medium', () => {
      expect(verdict(900).segment).toBe('medium');
      expect(verdict(170).segment).toBe('low');
    });

    it('treats a tier it does not know (from older rules) like no tier', () => {
      expect(verdict(900, 'platinum').segment).toBe('medium');
      expect(verdict(170, 'platinum').segment).toBe('low');
    });
  });

  describe('hysteresis around high', () => {
    it('keeps a high customer high between the exit and enter thresholds, by the stay rule', () => {
      expect(verdict(900, 'high')).toEqual({ segment: 'high', rule: 'value_tier.high.stay', features: { lifetimeValue: 900 } });
      expect(verdict(800, 'high')).toMatchObject({ segment: 'high', rule: 'value_tier.high.stay' });
    });

    it('names the enter rule for a high customer who is at or above the enter threshold', () => {
      expect(verdict(1000, 'high').rule).toBe('value_tier.high.enter');
      expect(verdict(5000, 'high').rule).toBe('value_tier.high.enter');
    });

    it('does not promote a medium customer to high until the enter threshold', () => {
      expect(verdict(999.99, 'medium').segment).toBe('medium');
      expect(verdict(1000, 'medium').segment).toBe('high');
    });

    it('lands someone leaving high in medium when still above the medium enter threshold', () => {
      expect(verdict(799.99, 'high')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.enter' });
    });

    it('lands someone leaving high in medium when between the medium exit and enter thresholds', () => {
      expect(verdict(170, 'high')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.stay' });
      expect(verdict(150, 'high')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.stay' });
    });

    it('drops someone leaving high to low when below the medium exit threshold too', () => {
      expect(verdict(149.99, 'high')).toMatchObject({ segment: 'low', rule: 'value_tier.low' });
    });
  });

  describe('hysteresis around medium', () => {
    it('keeps a medium customer medium between the exit and enter thresholds, by the stay rule', () => {
      expect(verdict(170, 'medium')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.stay' });
      expect(verdict(150, 'medium')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.stay' });
    });

    it('moves a medium customer to low below the exit threshold', () => {
      expect(verdict(149.99, 'medium')).toMatchObject({ segment: 'low', rule: 'value_tier.low' });
    });

    it('keeps a low customer low between the medium exit and enter thresholds', () => {
      expect(verdict(199.99, 'low').segment).toBe('low');
      expect(verdict(200, 'low')).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.enter' });
    });
  });

  it('without hysteresis (exit = enter) is a plain threshold', () => {
    const flat: ValueTierRules = { highEnter: 1000, highExit: 1000, mediumEnter: 200, mediumExit: 200 };
    expect(evaluateValueTier({ lifetimeValue: 999 }, 'high', flat).segment).toBe('medium');
    expect(evaluateValueTier({ lifetimeValue: 199 }, 'medium', flat).segment).toBe('low');
  });
});
