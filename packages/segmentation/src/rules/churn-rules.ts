import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ALERT_LEVELS, type EpisodeSettings } from '../churn/alert-episode.ts';
import { LONGEST_LULL_DAYS, type CadencePrior, type CadenceSettings, type Lull } from '../churn/cadence.ts';
import { MODEL_SIGNALS, type ChurnModel } from '../churn/churn-model.ts';

// The `churn` section of the rules file: the churn model's population priors, business calendar,
// coefficients and alert bands (see docs/churn.md). Everything fitted reaches the segmenter only
// through this section, as a rules version in force from its control record (DESIGN.md invariant 9).

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower_snake_case');
const strategy = z.string().trim().min(1, 'say what the business does for these customers');
const band = z
  .object({ enter: z.number().min(0).max(1), exit: z.number().min(0).max(1) })
  .strict()
  .refine((b) => b.exit <= b.enter, { message: 'exit must not exceed enter (hysteresis)', path: ['exit'] });
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const monthDay = z.string().regex(/^\d{2}-\d{2}$/, 'a day of the year as MM-DD');
const prior = z.object({ r: z.number().positive(), alpha: z.number().positive() }).strict();
const activity = z.number().min(0).max(1);

/** A lull of the business calendar: once (from/to dates) or every year (from/to as MM-DD). */
const lullSchema = z
  .object({
    name,
    from: z.union([date, monthDay]),
    to: z.union([date, monthDay]),
    /** Share of the usual ordering in the lull (0.2: a fifth). */
    activity,
    /** Only these industries (the profile's industry); all when absent. */
    industries: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((l) => (l.from.length === 10) === (l.to.length === 10), { message: 'give both ends as dates, or both as MM-DD', path: ['to'] })
  .refine((l) => lullDays(l.from, l.to) <= LONGEST_LULL_DAYS, { message: `a lull lasts at most ${LONGEST_LULL_DAYS} days`, path: ['to'] });

const coefficients = z
  .object(Object.fromEntries(MODEL_SIGNALS.map((s) => [s, z.number()])) as Record<(typeof MODEL_SIGNALS)[number], z.ZodNumber>)
  .strict();

export const churnSchema = z
  .object({
    /** Churn: a silence of the longer of min_days and `gaps` × the customer's 90th-percentile gap (at most max_days). */
    horizon: z.object({ min_days: z.number().positive(), gaps: z.number().positive(), max_days: z.number().positive() }).strict(),
    cadence: z
      .object({
        /** Half-life of an order's weight in the customer's rate, in days. */
        half_life_days: z.number().positive(),
        /** Half-life of the recent rate the trend compares with the baseline, in days. */
        trend_half_life_days: z.number().positive(),
        /** How much a day that repeats last year's pause counts as silence. */
        pause_activity: activity,
        /** Gamma prior of ordering days per day, for industries without a fitted one. */
        prior,
        /** Fitted per industry by `pnpm churn fit`. */
        industry_priors: z.record(z.string(), prior).default({}),
      })
      .strict(),
    calendar: z.array(lullSchema).default([]),
    model: z
      .object({
        /** Where the coefficients come from: absent = the documented prior (not fitted). */
        fitted: z
          .object({ at: z.string(), samples: z.number().int(), customers: z.number().int(), from: z.string(), to: z.string() })
          .strict()
          .optional(),
        intercept: z.number(),
        coefficients,
      })
      .strict(),
    levels: z
      .object({ watch: band, warning: band, critical: band })
      .strict()
      .refine((l) => l.watch.enter < l.warning.enter && l.warning.enter < l.critical.enter, 'levels must rise: watch < warning < critical'),
    /** Days at a level before it may fall inside an episode (rises are never held back). */
    cooldown_days: z.number().min(0),
    /** Days the risk must stay under watch's exit before the episode closes. */
    close_after_days: z.number().min(0),
    /** A raise within these days of a close continues the same episode. */
    reopen_days: z.number().min(0),
    /** Recommended action by value tier segment and main cause. */
    actions: z.record(name, z.object({ inactivity: strategy, service: strategy }).strict()),
  })
  .strict();

export type ChurnRules = z.output<typeof churnSchema>;

export interface CompiledChurn {
  model: ChurnModel;
  fitted: boolean;
  episode: EpisodeSettings;
  /** The cadence settings of a customer of this industry (undefined: no profile yet). */
  cadenceFor(industry: string | undefined): CadenceSettings;
  /** Risk levels some decision switches at, ascending: the silence that reaches one is a timer. */
  riskLevels: readonly number[];
}

const DAY_MS = 86_400_000;
/** Years a yearly lull is laid out for. */
const FIRST_YEAR = 2000;
const LAST_YEAR = 2060;

/** Days a lull covers (a yearly one measured in a common year, across the new year when it ends before it starts). */
function lullDays(from: string, to: string): number {
  if (from.length === 10) return dayNumber(to) - dayNumber(from) + 1;
  const days = dayNumber(`2001-${to}`) - dayNumber(`2001-${from}`) + 1;
  return days > 0 ? days : days + 365;
}

const dayNumber = (isoDate: string): number =>
  Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) / DAY_MS;

function lullsOf(calendar: ChurnRules['calendar'], industry: string | undefined): Lull[] {
  const lulls: Lull[] = [];
  for (const l of calendar) {
    if (l.industries !== undefined && (industry === undefined || !l.industries.includes(industry))) continue;
    if (l.from.length === 10) {
      lulls.push({ fromDay: dayNumber(l.from), toDay: dayNumber(l.to), activity: l.activity });
      continue;
    }
    for (let y = FIRST_YEAR; y <= LAST_YEAR; y += 1) {
      const from = dayNumber(`${y}-${l.from}`);
      let to = dayNumber(`${y}-${l.to}`);
      if (to < from) to = dayNumber(`${y + 1}-${l.to}`); // across the new year
      lulls.push({ fromDay: from, toDay: to, activity: l.activity });
    }
  }
  return lulls.sort((a, b) => a.fromDay - b.fromDay || a.toDay - b.toDay);
}

export function compileChurn(churn: ChurnRules, riskThresholds: readonly number[]): CompiledChurn {
  const cache = new Map<string, CadenceSettings>();
  const cadenceFor = (industry: string | undefined): CadenceSettings => {
    const key = industry ?? '';
    let settings = cache.get(key);
    if (settings === undefined) {
      const p: CadencePrior = (industry === undefined ? undefined : churn.cadence.industry_priors[industry]) ?? churn.cadence.prior;
      settings = {
        prior: p,
        halfLifeDays: churn.cadence.half_life_days,
        trendHalfLifeDays: churn.cadence.trend_half_life_days,
        lulls: lullsOf(churn.calendar, industry),
        pauseActivity: churn.cadence.pause_activity,
      };
      cache.set(key, settings);
    }
    return settings;
  };
  const levels = churn.levels;
  const riskLevels = [...new Set([...ALERT_LEVELS.map((l) => levels[l].enter), ...riskThresholds])].sort((a, b) => a - b);
  return {
    model: { intercept: churn.model.intercept, coefficients: churn.model.coefficients, horizon: churn.horizon },
    fitted: churn.model.fitted !== undefined,
    episode: { bands: levels, cooldownDays: churn.cooldown_days, closeAfterDays: churn.close_after_days, reopenDays: churn.reopen_days },
    cadenceFor,
    riskLevels,
  };
}

/** The rules text with the fitted churn priors and model written into its `churn` section (only there). */
export function rulesWithChurnFit(
  text: string,
  fit: {
    pooledPrior: CadencePrior;
    industryPriors: Record<string, CadencePrior>;
    model?: Pick<ChurnModel, 'intercept' | 'coefficients'>;
    fitted?: { at: string; samples: number; customers: number; from: string; to: string };
  },
): string {
  const doc = parseDocument(text);
  doc.setIn(['churn', 'cadence', 'prior'], doc.createNode(fit.pooledPrior, { flow: true }));
  doc.setIn(['churn', 'cadence', 'industry_priors'], doc.createNode(fit.industryPriors, { flow: false }));
  if (fit.model) {
    const model = { ...(fit.fitted ? { fitted: fit.fitted } : {}), intercept: fit.model.intercept, coefficients: fit.model.coefficients };
    doc.setIn(['churn', 'model'], doc.createNode(model));
  }
  return doc.toString({ lineWidth: 0 });
}
