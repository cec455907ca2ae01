import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError, parse } from './api-request.ts';
import { crmMonth, outcomeGroups, type MeasureQueries } from './measures.ts';

// The measures endpoints (viewer: everyone signed in reads them): which actions win customers back
// (GET /api/alert-outcomes, 流失挽回效果) and the CRM measures per segment and month
// (GET /api/crm-measures, 客户关系管理指标). docs/console.md, "API".

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const filterValue = z.string().trim().min(1).max(128).optional();
const queries = {
  outcomes: z
    .object({
      from: date.optional(),
      to: date.optional(),
      valueTier: filterValue,
      industry: filterValue,
      includeRulesChanged: z.enum(['true', 'false']).default('false'),
    })
    .strict(),
  crm: z
    .object({
      dimension: z.string().min(1).max(128).default('value_tier'),
      from: month.optional(),
      to: month.optional(),
      segment: filterValue,
    })
    .strict(),
};
/** Three years at most per request: each answer scans the period's episodes or months once. */
const MAX_DAYS = 1096;
const MAX_MONTHS = 36;
/** Episodes need 90 days to show their outcome and 90 more for the revenue after it: half a year by default. */
const DEFAULT_DAYS = 180;
const DEFAULT_MONTHS = 12;
const DAY_MS = 86_400_000;

export interface MeasureRouteDeps {
  measures: MeasureQueries;
  /** The dimensions of the rules in force: CRM measures are asked per one of them. */
  dimensions: () => Promise<Array<{ name: string }>>;
  timeZone: string;
}

/** Today (or `daysAgo` before) as a business day in `timeZone`, YYYY-MM-DD. */
function businessDay(timeZone: string, daysAgo = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    Date.now() - daysAgo * DAY_MS,
  );
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const monthNumber = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
const monthOf = (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;

export function registerMeasureRoutes(app: FastifyInstance, deps: MeasureRouteDeps): void {
  app.get('/api/alert-outcomes', async (req) => {
    const q = parse(queries.outcomes, req.query, 'query');
    const to = q.to ?? businessDay(deps.timeZone);
    const from = q.from ?? businessDay(deps.timeZone, DEFAULT_DAYS - 1);
    if (from > to) throw new ApiError(400, `query parameter from (${from}) is after to (${to})`);
    if (dayNumber(to) - dayNumber(from) + 1 > MAX_DAYS)
      throw new ApiError(400, `query parameters from and to: at most ${MAX_DAYS} days (three years) at once`);
    const rows = await deps.measures.alertOutcomes({ from, to, includeRulesChanged: q.includeRulesChanged === 'true' });
    return {
      from,
      to,
      includeRulesChanged: q.includeRulesChanged === 'true',
      groups: outcomeGroups(rows, { valueTier: q.valueTier, industry: q.industry }),
    };
  });

  app.get('/api/crm-measures', async (req) => {
    const q = parse(queries.crm, req.query, 'query');
    const known = (await deps.dimensions()).map((d) => d.name);
    if (!known.includes(q.dimension))
      throw new ApiError(400, `query parameter dimension: ${q.dimension} is not a dimension of the rules in force (${known.join(', ')})`);
    const to = q.to ?? businessDay(deps.timeZone).slice(0, 7);
    const from = q.from ?? monthOf(monthNumber(to) - (DEFAULT_MONTHS - 1));
    if (from > to) throw new ApiError(400, `query parameter from (${from}) is after to (${to})`);
    if (monthNumber(to) - monthNumber(from) + 1 > MAX_MONTHS)
      throw new ApiError(400, `query parameters from and to: at most ${MAX_MONTHS} months at once`);
    const rows = (await deps.measures.crm({ dimension: q.dimension, from: `${from}-01`, to: `${to}-01` })).map(crmMonth);
    return {
      dimension: q.dimension,
      from,
      to,
      // Every segment with customers in the period, for the page's choice, whatever the filter.
      segments: [...new Set(rows.map((r) => r.segment))],
      months: rows.filter((r) => q.segment === undefined || r.segment === q.segment),
    };
  });
}
