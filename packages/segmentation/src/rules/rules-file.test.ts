import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { evaluateDimension, type DimensionRules } from './dimension.ts';
import { compileRules, DIMENSIONS, populationAuto, populationScope, RulesError, type AttributeDimensionRules } from './rules-file.ts';

// The repository's own rules file is the fixture: bad files are made by editing its text, so every
// error case sits in a realistic document and the tests follow the file when it grows.
const RULES_PATH = join(import.meta.dirname, '../../../../config/rules.yaml');
const RULES = readFileSync(RULES_PATH, 'utf8');
const WHERE = 'rules.yaml';

interface RawSegment {
  name: string;
}
const raw = parse(RULES) as { dimensions: Record<string, { segments?: RawSegment[]; attribute?: string }> };

/** The index of a segment in the real file, so paths follow the file if segments are reordered. */
function segmentIndex(dimension: string, segment: string): number {
  const i = raw.dimensions[dimension]?.segments?.findIndex((s) => s.name === segment) ?? -1;
  if (i < 0) throw new Error(`${dimension}.${segment} is not in ${RULES_PATH}`);
  return i;
}

/** The real file with `from` replaced by `to` (exactly once: the edit must hit what it means to). */
function edited(from: string, to: string, text = RULES): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" must occur exactly once in the rules file`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** 1-based line of the `nth` (from 0) occurrence of `marker` in `text`. */
function lineOf(text: string, marker: string, nth = 0): number {
  let at = text.indexOf(marker);
  for (let n = 0; n < nth && at >= 0; n += 1) at = text.indexOf(marker, at + 1);
  if (at < 0) throw new Error(`"${marker}" not found`);
  return text.slice(0, at).split('\n').length;
}

/** The problem lines a compile fails with. */
function problems(text: string): string[] {
  try {
    compileRules(text, WHERE);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    const [headline, ...lines] = (err as Error).message.split('\n');
    expect(headline).toMatch(new RegExp(`^${WHERE} (has ${lines.length} problem\\(s\\)|is not valid YAML):$`));
    return lines.map((l) => l.trim());
  }
  throw new Error('the rules compiled, but they should not');
}

const isRuleDimension = (d: DimensionRules | AttributeDimensionRules): d is DimensionRules => 'segments' in d;

describe("the repository's rules file", () => {
  const compiled = compileRules(RULES, WHERE);

  it('compiles, with every dimension in the defined order', () => {
    expect(compiled.dimensions.map((d) => d.name)).toEqual([...DIMENSIONS]);
    expect(DIMENSIONS).toHaveLength(9);
    expect(compiled.version).toMatch(/^[0-9a-f]{12}$/);
    expect(compiled.source).toBe(RULES);
  });

  it('keeps every segment in the order written, and attribute dimensions as attributes', () => {
    for (const d of compiled.dimensions) {
      const written = raw.dimensions[d.name];
      if (isRuleDimension(d)) {
        expect(
          d.segments.map((s) => s.name),
          d.name,
        ).toEqual(written?.segments?.map((s) => s.name));
      } else {
        expect(d.attribute, d.name).toBe(written?.attribute);
      }
    }
  });

  it('has population settings, and compiles without them (the section is optional)', () => {
    expect(compiled.file.population?.parameters).toHaveProperty('high_value');
    const without = RULES.replace(/^population:.*\n( {2}.*\n)*/m, '');
    expect(without).not.toBe(RULES);
    expect(compileRules(without, WHERE).file.population).toBeUndefined();
  });

  it('gives conditions that evaluate: the high-value threshold puts a customer in the high tier', () => {
    const tier = compiled.dimensions.find((d) => d.name === 'value_tier');
    if (tier === undefined || !isRuleDimension(tier)) throw new Error('value_tier is not a rule dimension');
    const parameters = compiled.file.parameters;
    const high = parameters.high_value;
    if (high === undefined) throw new Error('high_value is not a parameter');
    const verdict = (value: number) =>
      evaluateDimension(tier, { features: { order_value_365d: value, value_trend_30d: 0 }, parameters }, undefined, 0).segment;
    expect(verdict(high)).toBe('high');
    expect(verdict(high - 1)).not.toBe('high');
  });
});

describe('version', () => {
  const version = compileRules(RULES, WHERE).version;

  it('ignores comments, blank lines and the name the file is read under', () => {
    const commented = `# a new comment at the top\n\n${RULES.replace(/ {2,}#[^\n]*/g, '')}\n# and one at the end\n`;
    expect(commented).not.toBe(RULES);
    expect(compileRules(commented, 'elsewhere.yaml').version).toBe(version);
  });

  it('ignores the layout: the same rules re-written in block style, and as JSON with every key order reversed', () => {
    const reformatted = stringify(parse(RULES), { collectionStyle: 'block', indent: 4 });
    expect(compileRules(reformatted, WHERE).version).toBe(version);
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const json = JSON.stringify(reversed(parse(RULES)), null, 1);
    expect(json.indexOf('"snapshots"')).toBeLessThan(json.indexOf('"description"'));
    expect(compileRules(json, WHERE).version).toBe(version);
  });

  it('ignores a default written out', () => {
    expect(compileRules(edited('snapshots:\n  interval_days: 7\n', ''), WHERE).version).toBe(version);
  });

  it('changes when a threshold changes, in a parameter or in a condition', () => {
    const parameter = compileRules(edited('high_value: 100000', 'high_value: 100001'), WHERE).version;
    const condition = compileRules(edited('enter: orders_30d >= 12', 'enter: orders_30d >= 13'), WHERE).version;
    const band = compileRules(edited('warning: { enter: 0.7, exit: 0.55 }', 'warning: { enter: 0.7, exit: 0.65 }'), WHERE).version;
    expect(new Set([version, parameter, condition, band]).size).toBe(4);
  });

  it('changes when the priority order of segments changes', () => {
    const swapped = edited(
      '      - { name: champions, strategy: reward and ask for referrals, enter: r_score >= 4 and f_score >= 4 and m_score >= 4 }\n      - { name: loyal, strategy: upsell value-added services, enter: f_score >= 4 and r_score >= 3 }\n',
      '      - { name: loyal, strategy: upsell value-added services, enter: f_score >= 4 and r_score >= 3 }\n      - { name: champions, strategy: reward and ask for referrals, enter: r_score >= 4 and f_score >= 4 and m_score >= 4 }\n',
    );
    expect(compileRules(swapped, WHERE).version).not.toBe(version);
  });
});

describe('problems name the line and the field', () => {
  it('an unknown feature in a condition', () => {
    const text = edited('enter: orders_30d >= 12', 'enter: orders_31d >= 12');
    expect(problems(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${WHERE}:${lineOf(text, 'orders_31d')}: dimensions\\.behaviour\\.segments\\.${segmentIndex('behaviour', 'high_frequency')}\\.enter: unknown feature "orders_31d"`,
        ),
      ),
    ]);
  });

  it('an unknown $parameter, in enter or exit', () => {
    const text = edited('exit: order_value_365d < $medium_value_exit', 'exit: order_value_365d < $medium_exit');
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, '$medium_exit')}: dimensions.value_tier.segments.${segmentIndex('value_tier', 'medium')}.exit: unknown parameter "$medium_exit" (define it under parameters)`,
    ]);
  });

  it('a syntax error in a condition, with the character in the condition', () => {
    const condition = 'share_express_90d >= 0.4 and and orders_90d >= 3';
    const text = edited('enter: share_express_90d >= 0.4 and orders_90d >= 3', `enter: ${condition}`);
    const character = condition.indexOf('and', condition.indexOf('and') + 1) + 1;
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, condition)}: dimensions.needs.segments.${segmentIndex('needs', 'time_sensitive')}.enter: expected a feature, a $parameter or a number at character ${character}`,
    ]);
  });

  it('a missing required field, at the line of the object it is missing from', () => {
    const text = edited('        strategy: quality basic service and regular revisits (定期回访)\n', '');
    expect(problems(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${WHERE}:${lineOf(text, '- name: medium')}: dimensions\\.value_tier\\.segments\\.${segmentIndex('value_tier', 'medium')}\\.strategy: .*expected string`,
        ),
      ),
    ]);
  });

  it('a wrong type, at the top level and inside a dimension', () => {
    const churn = edited('cooldown_days: 14', 'cooldown_days: a week');
    expect(problems(churn)).toEqual([
      expect.stringMatching(new RegExp(`^${WHERE}:${lineOf(churn, 'cooldown_days: a week')}: churn\\.cooldown_days: .*expected number`)),
    ]);
    const dwell = edited(
      'min_dwell_days: 14\n    segments:\n      - name: high_return',
      'min_dwell_days: two weeks\n    segments:\n      - name: high_return',
    );
    expect(problems(dwell)).toEqual([
      expect.stringMatching(
        new RegExp(`^${WHERE}:${lineOf(dwell, 'two weeks')}: dimensions\\.behaviour\\.min_dwell_days: .*expected number`),
      ),
    ]);
  });

  it('a bad attribute dimension, as an attribute dimension', () => {
    const text = edited('region: { attribute: region }', 'region: { attribute: province }');
    expect(problems(text)).toEqual([
      expect.stringMatching(new RegExp(`^${WHERE}:${lineOf(text, 'province')}: dimensions\\.region\\.attribute: .*"region"`)),
    ]);
  });

  it('an industry parameter that overrides no parameter', () => {
    const text = edited('industry_parameters: {}', 'industry_parameters:\n  manufacturing:\n    high_value: 150000\n    low_value: 5000');
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, 'low_value: 5000')}: industry_parameters.manufacturing.low_value: "low_value" is not in parameters; give its default there`,
    ]);
  });

  describe('in the population section', () => {
    const lastParameter = '    medium_value_exit: { feature: order_value_365d, quantile: 0.48 }';

    it('a parameter that is not in parameters', () => {
      const text = edited(lastParameter, `${lastParameter}\n    low_value: { feature: order_value_365d, quantile: 0.2 }`);
      expect(problems(text)).toEqual([
        `${WHERE}:${lineOf(text, 'low_value:')}: population.parameters.low_value: "low_value" is not in parameters; give its default there`,
      ]);
    });

    it('an unknown feature', () => {
      const text = edited(lastParameter, `${lastParameter}\n    rising_value: { feature: order_value_356d, quantile: 0.95 }`);
      expect(problems(text)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${WHERE}:${lineOf(text, 'order_value_356d')}: population\\.parameters\\.rising_value\\.feature: unknown feature "order_value_356d"`,
          ),
        ),
      ]);
    });

    it('a quantile that is not strictly between 0 and 1', () => {
      let text = edited('{ feature: order_value_365d, quantile: 0.88 }', '{ feature: order_value_365d, quantile: 1 }');
      text = edited('{ feature: order_value_365d, quantile: 0.48 }', '{ feature: order_value_365d, quantile: 0 }', text);
      const message = 'a quantile is strictly between 0 and 1 (0.9: the value 90% of the industry is below)';
      expect(problems(text)).toEqual([
        `${WHERE}:${lineOf(text, 'quantile: 1 }')}: population.parameters.high_value.quantile: ${message}`,
        `${WHERE}:${lineOf(text, 'quantile: 0 }')}: population.parameters.medium_value_exit.quantile: ${message}`,
      ]);
    });

    it('an exit threshold left at its default while its enter is population-relative, or from another feature', () => {
      const alone = edited('    high_value_exit: { feature: order_value_365d, quantile: 0.84 }   # stays high down to the top 16%\n', '');
      expect(problems(alone)).toEqual([
        `${WHERE}:${lineOf(alone, '    high_value:')}: population.parameters.high_value: "high_value_exit" must be population-relative too, or an industry's exit could pass its enter`,
      ]);
      const other = edited('high_value_exit: { feature: order_value_365d', 'high_value_exit: { feature: order_value_90d');
      expect(problems(other)).toEqual([
        `${WHERE}:${lineOf(other, 'order_value_90d')}: population.parameters.high_value_exit.feature: "high_value_exit" must read the feature of "high_value" (order_value_365d)`,
      ]);
    });

    it('auto and scope: absent they mean true and industry, and keep the version of rules written before them', () => {
      const without = edited('  auto: true ', '  # auto ', edited('  scope: industry ', '  # scope '));
      const compiledWithout = compileRules(without, WHERE);
      expect(compiledWithout.file.population).not.toHaveProperty('auto');
      expect(populationAuto(compiledWithout.file)).toBe(true);
      expect(populationScope(compiledWithout.file.population!)).toBe('industry');
      expect(compileRules(without.replace('# auto', 'auto: true'), WHERE).version).not.toBe(compiledWithout.version);
      const off = compileRules(edited('auto: true', 'auto: false'), WHERE);
      expect(populationAuto(off.file)).toBe(false);
      expect(populationScope(compileRules(edited('scope: industry', 'scope: all'), WHERE).file.population!)).toBe('all');
      expect(populationAuto({ population: undefined })).toBe(false);
    });

    it('an auto that is not true or false, or an unknown scope', () => {
      const auto = edited('auto: true', 'auto: "yes"');
      expect(problems(auto)).toEqual([
        expect.stringMatching(new RegExp(`^${WHERE}:${lineOf(auto, 'auto:')}: population\\.auto: .*expected boolean`)),
      ]);
      const scope = edited('scope: industry', 'scope: region');
      expect(problems(scope)).toEqual([`${WHERE}:${lineOf(scope, 'scope:')}: population.scope: write industry or all`]);
    });

    it('a wrong type or an unknown setting', () => {
      const days = edited('active_days: 365', 'active_days: a year');
      expect(problems(days)).toEqual([
        expect.stringMatching(new RegExp(`^${WHERE}:${lineOf(days, 'a year')}: population\\.active_days: .*expected number`)),
      ]);
      const count = edited('min_customers: 30', 'min_customers: 2.5');
      expect(problems(count)).toEqual([`${WHERE}:${lineOf(count, '2.5')}: population.min_customers: a whole number of customers`]);
      const typo = edited('rfm_quintiles: true', 'rfm_quintile: true');
      // A block mapping's line is that of its first entry.
      expect(problems(typo)).toEqual([`${WHERE}:${lineOf(typo, '  auto: true')}: population: Unrecognized key: "rfm_quintile"`]);
    });
  });

  it('a from that names no segment of the dimension', () => {
    const text = edited('from: [churned]', 'from: [at_risk, churnd]');
    expect(problems(text)).toEqual([
      `${WHERE}:${lineOf(text, 'from: [at_risk, churnd]')}: dimensions.lifecycle.segments.${segmentIndex('lifecycle', 'won_back')}.from: "churnd" is not a segment of lifecycle`,
    ]);
  });

  it('a from may name the fallback', () => {
    expect(() => compileRules(edited('from: [churned]', 'from: [churned, prospect]'), WHERE)).not.toThrow();
  });

  it("duplicate segment names, including the fallback's", () => {
    const twice = edited('      - name: silver', '      - name: gold');
    expect(problems(twice)).toEqual([
      `${WHERE}:${lineOf(twice, '- name: gold', 1)}: dimensions.loyalty.segments.${segmentIndex('loyalty', 'silver')}.name: segment "gold" appears twice`,
    ]);
    const fallback = edited('      - name: bronze', '      - name: none');
    expect(problems(fallback)).toEqual([
      `${WHERE}:${lineOf(fallback, '- name: none')}: dimensions.loyalty.segments.${segmentIndex('loyalty', 'bronze')}.name: segment "none" appears twice`,
    ]);
  });

  it('invalid YAML, with the line of the fault', () => {
    const duplicateKey = edited('high_value_exit: 80000', 'high_value: 80000');
    expect(problems(duplicateKey)).toEqual([`${WHERE}:${lineOf(duplicateKey, 'high_value: 80000')}: Map keys must be unique`]);
    const tab = edited('  rfm:                        #', '\trfm:                        #');
    expect(problems(tab)[0]).toMatch(new RegExp(`^${WHERE}:${lineOf(tab, '\trfm:')}: .*[Tt]ab`));
  });

  it('several problems at once, each with its own line', () => {
    let text = edited('enter: orders_30d >= 12', 'enter: orders_31d >= 12');
    text = edited('enter: order_value_90d >= 60000', 'enter: order_value_90d >= $volume', text);
    text = edited('from: [churned]', 'from: [lost]', text);
    text = edited('enter: repeat_orders >= 1', 'enter: repeat_orders >=', text);
    const found = problems(text);
    expect(found).toHaveLength(4);
    const numerically = (a: number, b: number): number => a - b;
    expect(found.map((p) => Number(p.split(':')[1])).sort(numerically)).toEqual(
      ['orders_31d', '$volume', 'from: [lost]', 'repeat_orders >=\n'].map((m) => lineOf(text, m)).sort(numerically),
    );

    let shape = edited('        strategy: quality basic service and regular revisits (定期回访)\n', '');
    shape = edited('cooldown_days: 14', 'cooldown_days: a week', shape);
    shape = edited('snapshots:\n  interval_days: 7', 'snapshots:\n  interval_days: 7\n  retention_days: 30', shape);
    const shapeProblems = problems(shape);
    expect(shapeProblems).toHaveLength(3);
    expect(shapeProblems.map((p) => p.split(': ')[1])).toEqual(
      expect.arrayContaining([
        `dimensions.value_tier.segments.${segmentIndex('value_tier', 'medium')}.strategy`,
        'churn.cooldown_days',
        'snapshots',
      ]),
    );
  });

  it('a file that is not a mapping at all', () => {
    expect(problems('just a sentence\n')).toEqual([expect.stringMatching(new RegExp(`^${WHERE}:1: \\(top\\): .*expected object`))]);
  });
});
