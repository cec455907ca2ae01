// Rule conditions are written as an operations analyst would say them:
//   "order_value_365d >= $high_value or (value_trend_30d >= 0.3 and orders_90d >= 6)"
// Names are features (FEATURES.md) or derived scores; `$name` is a rules parameter, which may differ
// per industry (population-relative thresholds are published as parameters, DESIGN.md invariant 9).
// A feature that is absent (no orders yet, say) makes every comparison on it false.

export type Comparison = '>=' | '>' | '<=' | '<' | '==' | '!=';

export type Operand = { kind: 'number'; value: number } | { kind: 'feature'; name: string } | { kind: 'parameter'; name: string };

export type Expression =
  | { kind: 'compare'; left: Operand; op: Comparison; right: Operand; text: string }
  | { kind: 'and' | 'or'; terms: Expression[] }
  | { kind: 'not'; term: Expression };

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

type Token = { type: 'number' | 'name' | 'parameter' | 'op' | 'word' | '(' | ')'; text: string; at: number };

const TOKEN = /\s*(?:(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(\$[a-z_][a-z0-9_]*)|(>=|<=|==|!=|>|<)|([a-z_][a-z0-9_]*)|([()]))/iy;
const WORDS = new Set(['and', 'or', 'not']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    // Positions name the token itself, not the whitespace before it.
    const rest = source.slice(TOKEN.lastIndex).trimStart();
    if (rest === '') break;
    const at = source.length - rest.length;
    const m = TOKEN.exec(source);
    if (!m) throw new ExpressionError(`unexpected "${source.slice(at).trim().slice(0, 12)}" at character ${at + 1}`);
    const [, num, param, op, name, paren] = m;
    if (num !== undefined) tokens.push({ type: 'number', text: num, at });
    else if (param !== undefined) tokens.push({ type: 'parameter', text: param.slice(1), at });
    else if (op !== undefined) tokens.push({ type: 'op', text: op, at });
    else if (name !== undefined)
      tokens.push({
        type: WORDS.has(name.toLowerCase()) ? 'word' : 'name',
        text: WORDS.has(name.toLowerCase()) ? name.toLowerCase() : name,
        at,
      });
    else tokens.push({ type: paren as '(' | ')', text: paren!, at });
  }
  return tokens;
}

/** Parses a condition; throws ExpressionError saying what and where. Precedence: not > and > or. */
export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const where = () => (peek() ? `at character ${peek()!.at + 1}` : 'at the end');

  const operand = (): Operand => {
    const t = tokens[i++];
    if (t?.type === 'number') return { kind: 'number', value: Number(t.text) };
    if (t?.type === 'name') return { kind: 'feature', name: t.text };
    if (t?.type === 'parameter') return { kind: 'parameter', name: t.text };
    i--;
    throw new ExpressionError(`expected a feature, a $parameter or a number ${where()}`);
  };
  const primary = (): Expression => {
    if (peek()?.type === '(') {
      i++;
      const inner = or();
      if (peek()?.type !== ')') throw new ExpressionError(`expected ")" ${where()}`);
      i++;
      return inner;
    }
    if (peek()?.type === 'word' && peek()!.text === 'not') {
      i++;
      return { kind: 'not', term: primary() };
    }
    const start = peek()?.at ?? source.length;
    const left = operand();
    const op = tokens[i];
    if (op?.type !== 'op') throw new ExpressionError(`expected a comparison (>=, >, <=, <, ==, !=) ${where()}`);
    i++;
    const right = operand();
    const end = peek()?.at ?? source.length;
    return { kind: 'compare', left, op: op.text as Comparison, right, text: source.slice(start, end).trim() };
  };
  const chain = (word: 'and' | 'or', next: () => Expression) => (): Expression => {
    const terms = [next()];
    while (peek()?.type === 'word' && peek()!.text === word) {
      i++;
      terms.push(next());
    }
    return terms.length === 1 ? terms[0]! : { kind: word, terms };
  };
  const and = chain('and', primary);
  const or = chain('or', and);

  if (tokens.length === 0) throw new ExpressionError('the condition is empty');
  const expression = or();
  if (i < tokens.length) throw new ExpressionError(`unexpected "${tokens[i]!.text}" ${where()}`);
  return expression;
}

/** Every feature and parameter a condition reads, for validation against what exists. */
export function namesIn(expression: Expression): { features: Set<string>; parameters: Set<string> } {
  const features = new Set<string>();
  const parameters = new Set<string>();
  const visit = (e: Expression): void => {
    if (e.kind === 'compare') {
      for (const o of [e.left, e.right]) {
        if (o.kind === 'feature') features.add(o.name);
        if (o.kind === 'parameter') parameters.add(o.name);
      }
    } else if (e.kind === 'not') visit(e.term);
    else e.terms.forEach(visit);
  };
  visit(expression);
  return { features, parameters };
}

/** One comparison that held, with the values behind it: what explains a membership. */
export interface Reason {
  condition: string;
  feature: string;
  value: number;
  threshold: number;
}

export interface Values {
  features: Readonly<Record<string, number | undefined>>;
  parameters: Readonly<Record<string, number | undefined>>;
  /**
   * The feature `days_in_segment`, which differs per dimension within one evaluation: kept apart
   * from `features`, which then stays one object, the snapshot's, never added to and deleted from
   * per evaluation (a deleted key made the shared object slow for every later read).
   */
  daysInSegment?: number;
}

const DAYS_IN_SEGMENT = 'days_in_segment';

/** A feature's value as the conditions read it. */
export const featureOf = (v: Values, name: string): number | undefined => (name === DAYS_IN_SEGMENT ? v.daysInSegment : v.features[name]);

const resolve = (o: Operand, v: Values): number | undefined =>
  o.kind === 'number' ? o.value : o.kind === 'feature' ? featureOf(v, o.name) : v.parameters[o.name];

export function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/** Whether a condition holds, without its reasons: what flags and failed branches need (allocates nothing). */
export function holds(expression: Expression, values: Values): boolean {
  switch (expression.kind) {
    case 'compare': {
      const a = resolve(expression.left, values);
      const b = resolve(expression.right, values);
      return a !== undefined && b !== undefined && compare(a, expression.op, b);
    }
    case 'and':
      for (const t of expression.terms) if (!holds(t, values)) return false;
      return true;
    case 'or':
      for (const t of expression.terms) if (holds(t, values)) return true;
      return false;
    case 'not':
      return !holds(expression.term, values);
  }
}

/**
 * Evaluates a condition. When it holds, `reasons` lists the comparisons that made it hold (for
 * `or`, those of the first true branch), each with its feature value and threshold.
 */
export function evaluate(expression: Expression, values: Values): { holds: boolean; reasons: Reason[] } {
  switch (expression.kind) {
    case 'compare': {
      const a = resolve(expression.left, values);
      const b = resolve(expression.right, values);
      if (a === undefined || b === undefined || !compare(a, expression.op, b)) return { holds: false, reasons: [] };
      const featureSide = expression.left.kind === 'feature' ? expression.left : expression.right;
      return {
        holds: true,
        reasons: [
          {
            condition: expression.text,
            feature: featureSide.kind === 'feature' ? featureSide.name : '',
            value: featureSide === expression.left ? a : b,
            threshold: featureSide === expression.left ? b : a,
          },
        ],
      };
    }
    case 'and': {
      const reasons: Reason[] = [];
      for (const term of expression.terms) {
        const r = evaluate(term, values);
        if (!r.holds) return { holds: false, reasons: [] };
        reasons.push(...r.reasons);
      }
      return { holds: true, reasons };
    }
    case 'or': {
      for (const term of expression.terms) {
        const r = evaluate(term, values);
        if (r.holds) return r;
      }
      return { holds: false, reasons: [] };
    }
    case 'not':
      return { holds: !evaluate(expression.term, values).holds, reasons: [] };
  }
}
