import { describe, expect, it } from 'vitest';
import { structureReason } from './reason-structure.ts';

describe("a segment reason read from the feature's side", () => {
  it('keeps the written comparison when the feature is on the left', () => {
    expect(
      structureReason({ condition: 'order_value_365d >= $medium_value', feature: 'order_value_365d', value: 21_300, threshold: 20_000 }),
    ).toEqual({
      condition: 'order_value_365d >= $medium_value',
      feature: 'order_value_365d',
      value: 21_300,
      threshold: 20_000,
      operator: '>=',
      mirrored: false,
      holds: true,
    });
  });

  it('mirrors the comparison when the feature is on the right, so it still reads from the feature', () => {
    expect(
      structureReason({ condition: '30 < days_since_last_order', feature: 'days_since_last_order', value: 45, threshold: 30 }),
    ).toMatchObject({ operator: '>', mirrored: true, holds: true });
    expect(structureReason({ condition: '$x >= orders_90d', feature: 'orders_90d', value: 2, threshold: 6 })).toMatchObject({
      operator: '<=',
      mirrored: true,
      holds: true,
    });
  });

  it('says when the comparison does not hold: a fallback segment is explained by the entries that failed', () => {
    expect(structureReason({ condition: 'orders_90d >= 20', feature: 'orders_90d', value: 0, threshold: 20 })).toMatchObject({
      operator: '>=',
      holds: false,
    });
    expect(structureReason({ condition: 'return_rate != 0', feature: 'return_rate', value: 0, threshold: 0 })).toMatchObject({
      operator: '!=',
      holds: false,
    });
    expect(structureReason({ condition: 'return_rate == 0', feature: 'return_rate', value: 0, threshold: 0 })).toMatchObject({
      operator: '==',
      holds: true,
    });
  });

  it("gives no operator for a condition that is not one comparison on the reason's feature, or that does not parse", () => {
    for (const condition of ['orders_90d >= 6 and churn_risk < 0.5', 'churn_risk < 0.5', 'orders_90d >=', '']) {
      expect(structureReason({ condition, feature: 'orders_90d', value: 7, threshold: 6 }), condition).toMatchObject({
        operator: null,
        mirrored: false,
        holds: null,
      });
    }
  });
});
