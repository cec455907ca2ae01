import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, namesIn, parseExpression, type Comparison, type Values } from './expression.ts';

const values = (features: Values['features'], parameters: Values['parameters'] = {}): Values => ({ features, parameters });
const holds = (source: string, v: Values): boolean => evaluate(parseExpression(source), v).holds;

/** Every assignment of true/false to the named flags, as feature values 1 (true) and 0 (false). */
function truthTable(names: readonly string[]): Array<Record<string, boolean>> {
  return Array.from({ length: 2 ** names.length }, (_, row) => Object.fromEntries(names.map((n, i) => [n, ((row >> i) & 1) === 1])));
}
const asFeatures = (row: Record<string, boolean>): Values =>
  values(Object.fromEntries(Object.entries(row).map(([k, b]) => [k, b ? 1 : 0])));

/** The message a parse of `source` fails with. */
function parseError(source: string): string {
  try {
    parseExpression(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return (err as Error).message;
  }
  throw new Error(`"${source}" parsed, but it should not`);
}

describe('precedence: not > and > or', () => {
  it('binds and tighter than or', () => {
    for (const row of truthTable(['a', 'b', 'c'])) {
      expect(holds('a >= 1 or b >= 1 and c >= 1', asFeatures(row)), JSON.stringify(row)).toBe(row.a! || (row.b! && row.c!));
      expect(holds('a >= 1 and b >= 1 or c >= 1', asFeatures(row)), JSON.stringify(row)).toBe((row.a! && row.b!) || row.c!);
    }
  });

  it('binds not tighter than and and or', () => {
    for (const row of truthTable(['a', 'b', 'c'])) {
      expect(holds('not a >= 1 and b >= 1', asFeatures(row)), JSON.stringify(row)).toBe(!row.a! && row.b!);
      expect(holds('not a >= 1 or b >= 1 and not c >= 1', asFeatures(row)), JSON.stringify(row)).toBe(!row.a! || (row.b! && !row.c!));
      expect(holds('not not a >= 1', asFeatures(row)), JSON.stringify(row)).toBe(row.a);
    }
  });

  it('lets parentheses override it, nested to any depth', () => {
    for (const row of truthTable(['a', 'b', 'c', 'd'])) {
      const v = asFeatures(row);
      const label = JSON.stringify(row);
      expect(holds('(a >= 1 or b >= 1) and c >= 1', v), label).toBe((row.a! || row.b!) && row.c!);
      expect(holds('not (a >= 1 or b >= 1)', v), label).toBe(!(row.a! || row.b!));
      expect(holds('((a >= 1 or (b >= 1)) and (c >= 1 or d >= 1))', v), label).toBe((row.a! || row.b!) && (row.c! || row.d!));
    }
  });

  it('builds flat and/or chains with terms in written order', () => {
    const e = parseExpression('a >= 1 or b >= 1 or c >= 1 and d >= 1 and e >= 1');
    expect(e.kind).toBe('or');
    if (e.kind !== 'or') return;
    expect(e.terms.map((t) => t.kind)).toEqual(['compare', 'compare', 'and']);
    const last = e.terms[2]!;
    expect(last.kind === 'and' ? last.terms.length : 0).toBe(3);
  });

  it('reads and, or and not in any letter case', () => {
    for (const row of truthTable(['a', 'b'])) {
      expect(holds('NOT a >= 1 AND b >= 1 Or a >= 1', asFeatures(row))).toBe((!row.a! && row.b!) || row.a!);
    }
  });
});

describe('operands', () => {
  it.each([
    ['0.3', 0.3],
    ['12', 12],
    ['100000', 100_000],
    ['4.25', 4.25],
    ['1e3', 1000],
  ])('reads the number %s', (text, value) => {
    const e = parseExpression(`x >= ${text}`);
    expect(e).toMatchObject({ kind: 'compare', left: { kind: 'feature', name: 'x' }, right: { kind: 'number', value } });
    expect(holds(`x >= ${text}`, values({ x: value }))).toBe(true);
    expect(holds(`x >= ${text}`, values({ x: value - 0.001 }))).toBe(false);
  });

  it('reads a decimal threshold exactly at the edge', () => {
    expect(holds('value_trend_30d >= 0.3', values({ value_trend_30d: 0.3 }))).toBe(true);
    expect(holds('value_trend_30d >= 0.3', values({ value_trend_30d: 0.29 }))).toBe(false);
  });

  it('resolves $parameters from the parameters, not from features of the same name', () => {
    const v = values({ order_value_365d: 120_000, high_value: 1 }, { high_value: 100_000 });
    expect(parseExpression('order_value_365d >= $high_value')).toMatchObject({ right: { kind: 'parameter', name: 'high_value' } });
    expect(holds('order_value_365d >= $high_value', v)).toBe(true);
    expect(holds('order_value_365d >= $high_value', { ...v, parameters: { high_value: 150_000 } })).toBe(false);
    expect(holds('high_value >= $high_value', v)).toBe(false);
  });

  it('accepts a parameter or a number on the left', () => {
    expect(holds('$low <= x', values({ x: 5 }, { low: 5 }))).toBe(true);
    expect(holds('$low <= x', values({ x: 4 }, { low: 5 }))).toBe(false);
    expect(holds('30 > days_since_last_order', values({ days_since_last_order: 29 }))).toBe(true);
    expect(holds('30 > days_since_last_order', values({ days_since_last_order: 30 }))).toBe(false);
  });

  it('makes a comparison with an unknown parameter false', () => {
    expect(holds('x >= $nowhere', values({ x: 1e9 }))).toBe(false);
    expect(holds('x < $nowhere', values({ x: -1e9 }))).toBe(false);
  });
});

describe('comparison operators', () => {
  const natively: Record<Comparison, (a: number, b: number) => boolean> = {
    '>=': (a, b) => a >= b,
    '>': (a, b) => a > b,
    '<=': (a, b) => a <= b,
    '<': (a, b) => a < b,
    '==': (a, b) => a === b,
    '!=': (a, b) => a !== b,
  };

  it.each(Object.keys(natively) as Comparison[])('%s compares below, at and above the threshold as numbers do', (op) => {
    const e = parseExpression(`orders_90d ${op} 6`);
    expect(e).toMatchObject({ kind: 'compare', op });
    for (const x of [5, 5.99, 6, 6.01, 7]) {
      expect(evaluate(e, values({ orders_90d: x })).holds, `${x} ${op} 6`).toBe(natively[op](x, 6));
    }
  });

  it.each(Object.keys(natively) as Comparison[])('%s is false when the feature is absent, whatever the threshold', (op) => {
    for (const threshold of [-1, 0, 6, 1e9]) {
      expect(holds(`nps_latest ${op} $t`, values({}, { t: threshold }))).toBe(false);
      expect(holds(`nps_latest ${op} $t`, values({ nps_latest: undefined }, { t: threshold }))).toBe(false);
      expect(holds(`$t ${op} nps_latest`, values({}, { t: threshold }))).toBe(false);
    }
  });

  it("lets not turn an absent feature's false comparison into true", () => {
    // Documented consequence of "absent makes comparisons false": `not` is not a comparison.
    expect(holds('not nps_latest >= 9', values({}))).toBe(true);
    expect(holds('not nps_latest >= 9', values({ nps_latest: 9 }))).toBe(false);
  });

  it('makes an and with an absent feature false and lets an or take another branch', () => {
    expect(holds('orders_90d >= 1 and nps_latest >= 0', values({ orders_90d: 3 }))).toBe(false);
    expect(holds('nps_latest >= 0 or orders_90d >= 1', values({ orders_90d: 3 }))).toBe(true);
  });
});

describe('namesIn', () => {
  it('lists every feature and parameter, on either side, under not and in nested groups, once each', () => {
    const e = parseExpression(
      'tenure_days >= 365 and (nps_latest >= $promoter or not $floor > satisfaction_score_mean) or tenure_days < $floor and 1 < 2',
    );
    const { features, parameters } = namesIn(e);
    expect([...features].sort()).toEqual(['nps_latest', 'satisfaction_score_mean', 'tenure_days']);
    expect([...parameters].sort()).toEqual(['floor', 'promoter']);
  });

  it('is empty for a condition on numbers only', () => {
    const { features, parameters } = namesIn(parseExpression('1 < 2'));
    expect(features.size + parameters.size).toBe(0);
  });
});

describe('reasons', () => {
  it('gives the comparison, the feature value and the threshold of a single comparison', () => {
    const r = evaluate(
      parseExpression('  order_value_365d   >=   $high_value  '),
      values({ order_value_365d: 120_000 }, { high_value: 100_000 }),
    );
    expect(r).toEqual({
      holds: true,
      reasons: [{ condition: 'order_value_365d   >=   $high_value', feature: 'order_value_365d', value: 120_000, threshold: 100_000 }],
    });
  });

  it('names the feature when it stands on the right', () => {
    const r = evaluate(parseExpression('$low <= x'), values({ x: 7 }, { low: 5 }));
    expect(r.reasons).toEqual([{ condition: '$low <= x', feature: 'x', value: 7, threshold: 5 }]);
  });

  it('lists every comparison of an and that holds, in written order', () => {
    const r = evaluate(
      parseExpression('r_score >= 4 and f_score >= 4 and m_score >= $m'),
      values({ r_score: 5, f_score: 4, m_score: 3 }, { m: 2 }),
    );
    expect(r.holds).toBe(true);
    expect(r.reasons.map((x) => [x.feature, x.value, x.threshold])).toEqual([
      ['r_score', 5, 4],
      ['f_score', 4, 4],
      ['m_score', 3, 2],
    ]);
    expect(r.reasons.map((x) => x.condition)).toEqual(['r_score >= 4', 'f_score >= 4', 'm_score >= $m']);
  });

  it('lists only the first branch of an or that holds', () => {
    const e = parseExpression('a >= 10 or (b >= 1 and c >= 1) or d >= 1');
    expect(evaluate(e, values({ a: 0, b: 2, c: 3, d: 4 })).reasons.map((x) => x.feature)).toEqual(['b', 'c']);
    expect(evaluate(e, values({ a: 11, b: 2, c: 3, d: 4 })).reasons.map((x) => x.feature)).toEqual(['a']);
    expect(evaluate(e, values({ a: 0, b: 0, c: 3, d: 4 })).reasons.map((x) => x.feature)).toEqual(['d']);
  });

  it('gives none when the condition does not hold, even if some comparisons did', () => {
    expect(evaluate(parseExpression('a >= 1 and b >= 1'), values({ a: 5, b: 0 }))).toEqual({ holds: false, reasons: [] });
    expect(evaluate(parseExpression('a >= 1 or b >= 1'), values({ a: 0, b: 0 }))).toEqual({ holds: false, reasons: [] });
  });

  it('gives none for a not, whose truth rests on a comparison that failed', () => {
    const r = evaluate(parseExpression('not a >= 1 and b >= 1'), values({ a: 0, b: 2 }));
    expect(r.holds).toBe(true);
    expect(r.reasons.map((x) => x.feature)).toEqual(['b']);
  });
});

describe('bad conditions', () => {
  /** The 1-based character position of the first `token` in `source`. */
  const at = (source: string, token: string, from = 0): string => `at character ${source.indexOf(token, from) + 1}`;

  it.each(['', '   ', '\t\n'])('rejects an empty condition %j', (source) => {
    expect(parseError(source)).toMatch(/empty/);
  });

  it.each(['orders_90d >=', 'orders_90d >= 6 and', 'orders_90d >= 6 or', 'not', '('])('says a dangling %j ends too early', (source) => {
    expect(parseError(source)).toMatch(/^expected .* at the end$/);
  });

  it('names an operator with nothing before it', () => {
    const source = 'orders_90d >= 6 and or tenure_days >= 1';
    expect(parseError(source)).toBe(`expected a feature, a $parameter or a number ${at(source, 'or', source.indexOf('and'))}`);
  });

  it.each([
    ['orders_90d >= 6 & tenure_days >= 1', '&'],
    ['orders_90d => 6', '=>'],
    ['order-value >= 6', '-value'],
    ['x >= 6 ; y', ';'],
    ['x >= 6 && y >= 1', '&&'],
  ])('points at the first character it cannot read in %j', (source, bad) => {
    const message = parseError(source);
    expect(message.startsWith(`unexpected "${bad}`), message).toBe(true);
    expect(message.endsWith(at(source, bad)), message).toBe(true);
  });

  it('points at the token, not at the spaces before it', () => {
    const source = 'orders_90d >=      6     tenure_days';
    expect(parseError(source)).toBe(`unexpected "tenure_days" ${at(source, 'tenure_days')}`);
    expect(parseError('   @')).toBe('unexpected "@" at character 4');
  });

  it('says where a ")" is missing', () => {
    expect(parseError('(orders_90d >= 6 and tenure_days >= 1')).toBe('expected ")" at the end');
    const source = '(orders_90d >= 6 tenure_days >= 1)';
    expect(parseError(source)).toBe(`expected ")" ${at(source, 'tenure_days')}`);
  });

  it('rejects tokens after a complete condition', () => {
    const closing = 'orders_90d >= 6)';
    expect(parseError(closing)).toBe(`unexpected ")" ${at(closing, ')')}`);
    const chained = 'orders_90d >= 6 >= 7';
    expect(parseError(chained)).toBe(`unexpected ">=" ${at(chained, '>=', 12)}`);
    const extra = 'orders_90d >= 6 (tenure_days >= 1)';
    expect(parseError(extra)).toBe(`unexpected "(" ${at(extra, '(')}`);
  });

  it('asks for a comparison where one is missing', () => {
    const source = 'orders_90d 6';
    expect(parseError(source)).toBe(`expected a comparison (>=, >, <=, <, ==, !=) ${at(source, '6')}`);
    expect(parseError('orders_90d')).toBe('expected a comparison (>=, >, <=, <, ==, !=) at the end');
    const word = 'orders_90d and tenure_days >= 1';
    expect(parseError(word)).toBe(`expected a comparison (>=, >, <=, <, ==, !=) ${at(word, 'and')}`);
  });
});

describe('negative numbers', () => {
  it('compares with a negative threshold written in the condition', () => {
    const e = parseExpression('value_trend_30d <= -0.2');
    expect(evaluate(e, { features: { value_trend_30d: -0.5 }, parameters: {} }).holds).toBe(true);
    expect(evaluate(e, { features: { value_trend_30d: 0.1 }, parameters: {} }).holds).toBe(false);
  });
});
