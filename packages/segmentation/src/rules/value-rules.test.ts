import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, RulesError } from './rules-file.ts';
import { REPOSITORY_RULES_FILE } from './rules-fixtures.ts';

// The `value` section (predicted customer lifetime value): its settings validated with errors that
// name the line and the setting, and the value features refused where no section predicts them.

const RULES = readFileSync(REPOSITORY_RULES_FILE, 'utf8');
const WHERE = 'rules.yaml';

/** The shipped file with `from` replaced by `to`, exactly once. */
function edited(from: string | RegExp, to: string, text = RULES): string {
  const matches = text.match(new RegExp(from, 'g'));
  if (matches?.length !== 1) throw new Error(`"${String(from)}" must occur exactly once in the rules file`);
  return text.replace(from, to);
}

const lineOf = (text: string, marker: string): number => text.slice(0, text.indexOf(marker)).split('\n').length;

function problems(text: string): string[] {
  try {
    compileRules(text, WHERE);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  throw new Error('the rules compiled, but they should not');
}

/** The shipped file without its value section (its lines up to the blank line after it). */
const withoutValueSection = (text = RULES): string => edited(/\nvalue:[^\n]*\n(?: [^\n]*\n)+/, '\n', text);

describe('the value section of the rules', () => {
  it('compiles from the shipped file: 12 months, 8 % a year, the documented Gamma-Gamma prior', () => {
    expect(compileRules(RULES, WHERE).value).toEqual({
      horizonMonths: 12,
      discountRate: 0.08,
      gammaGamma: { p: 2.52, q: 2.04, gamma: 536 },
    });
  });

  it('refuses a discount rate written as a percentage, naming the setting and its line', () => {
    const text = edited('discount_rate: 0.08', 'discount_rate: 8');
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, 'discount_rate: 8')}: value.discount_rate: discount_rate is an annual rate below 1 (0.08 = 8 % a year, not 8)`,
    ]);
  });

  it('refuses a q at or below 1 (an infinite population mean order value)', () => {
    const text = edited('q: 2.04', 'q: 0.9');
    expect(problems(text)).toEqual([
      expect.stringMatching(new RegExp(`^${WHERE}:${lineOf(text, 'q: 0.9')}: value\\.gamma_gamma\\.q: gamma_gamma\\.q must be above 1`)),
    ]);
  });

  it('refuses a missing or non-positive Gamma-Gamma parameter', () => {
    expect(problems(edited(', gamma: 536', ''))).toEqual([
      expect.stringMatching(/: value\.gamma_gamma\.gamma: gamma_gamma\.gamma: a number/),
    ]);
    expect(problems(edited('p: 2.52', 'p: 0'))).toEqual([expect.stringMatching(/: value\.gamma_gamma\.p: gamma_gamma\.p must be above 0/)]);
  });

  it('refuses another horizon than the 12 months the features are named for', () => {
    const text = edited('horizon_months: 12', 'horizon_months: 6');
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, 'horizon_months: 6')}: value.horizon_months: horizon_months is 12: the features are named for it (expected_orders_12m, clv_12m)`,
    ]);
  });

  it('refuses an unknown setting in the section', () => {
    expect(problems(edited('discount_rate: 0.08', 'discount: 0.08'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/: value: Unrecognized key: "discount"/)]),
    );
  });

  it('refuses conditions and population parameters that read the value features without the section', () => {
    const found = problems(withoutValueSection());
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => /"clv_12m" is predicted from the value section: add one/.test(p))).toBe(true);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: dimensions\.value_tier\.segments\.0\.enter: "clv_12m"/),
        expect.stringMatching(/: population\.parameters\.high_value_clv\.feature: "clv_12m"/),
      ]),
    );
  });

  it('is optional: rules that do not read the value features compile without it, and their customers have none', () => {
    const older = withoutValueSection(RULES.replace(/ or \(clv_12m[^)]*\)| and not \(clv_12m[^)]*\)|\n {4}\w+_clv(_exit)?: \{[^\n]*/g, ''));
    expect(older).not.toMatch(/clv_12m >=|feature: clv_12m/);
    expect(compileRules(older, WHERE).value).toBeUndefined();
  });
});
