// Predicted customer value (客户终身价值) against what the customers then did, on the simulator:
//   pnpm value-backtest [--seed 101] [--customers 3000] [--history-days 180]
// Simulates `history-days` and the 12 months after; replays the history through the segmenter's fold
// in process (no Kafka, no Redis) with config/rules.yaml as it is; takes every customer with an order
// at the cut-off, predicts expected_orders_12m and expected_order_value as the engine does, and
// compares them with the orders placed in the following 365 days (undiscounted, so the comparison
// is with what happened, not with its present value). docs/rules.md has the figures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { bodyOf } from '@segmentation/contracts';
import { parseConfig, runCommand } from '@segmentation/runtime';
import { calendarFor, compileRules, customerValues, emptyRecord } from '@segmentation/segmentation';
import { simulateHistory } from '@segmentation/simulator';
import { replayLog } from '../quality/replay.ts';
import { scoreValuePredictions, type ValueOutcome } from './value-prediction-score.ts';

const RULES_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');
const START = '2025-01-01'; // fixed, so a seed always gives the same figures
const DAY_MS = 86_400_000;

await runCommand('value-backtest', async () => {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '101' },
      customers: { type: 'string', default: '3000' },
      'history-days': { type: 'string', default: '180' },
    },
  });
  const opts = parseConfig(
    z.object({
      seed: z.coerce.number().int().min(0),
      customers: z.coerce.number().int().min(1).max(1_000_000),
      historyDays: z.coerce.number().int().min(30).max(3650),
    }),
    { seed: values.seed, customers: values.customers, historyDays: values['history-days'] },
  );
  const rules = compileRules(readFileSync(RULES_FILE, 'utf8'), RULES_FILE);
  if (rules.value === undefined) throw new Error(`${RULES_FILE} has no value section: nothing to predict`);
  const calendar = calendarFor('Asia/Shanghai');
  const events = await simulateHistory({ seed: opts.seed, customers: opts.customers, days: opts.historyDays + 365, start: START });
  const cut = Date.parse(`${START}T00:00:00+08:00`) + opts.historyDays * DAY_MS;
  const replay = await replayLog([events.filter((e) => e.eventTime < cut)], { rules, options: { calendar }, cutoffs: [cut - 1], end: cut });

  const after = new Map<string, { orders: number; value: number }>();
  for (const e of events) {
    const body = bodyOf(e);
    if (e.eventTime < cut || e.eventTime >= cut + 365 * DAY_MS || body.kind !== 'order' || body.order.kind !== 'PLACED') continue;
    const a = after.get(e.customerId) ?? { orders: 0, value: 0 };
    a.orders += 1;
    a.value += body.order.amountBase;
    after.set(e.customerId, a);
  }
  const outcomes: ValueOutcome[] = [];
  for (const s of replay.snapshots) {
    const f = customerValues(rules, { ...emptyRecord(), features: s.features }, cut, calendar).features;
    if (f.expected_orders_12m === undefined || f.expected_order_value === undefined) continue;
    const actual = after.get(s.customerId) ?? { orders: 0, value: 0 };
    outcomes.push({
      expectedOrders: f.expected_orders_12m,
      expectedValue: f.expected_orders_12m * f.expected_order_value,
      actualOrders: actual.orders,
      actualValue: actual.value,
    });
  }
  const score = scoreValuePredictions(outcomes);
  console.log(
    `seed ${opts.seed}, ${opts.customers} customers, ${opts.historyDays} days of history from ${START}, the next 365 days scored; rules ${rules.version}`,
  );
  console.log(`customers with an order at the cut-off   ${score.customers}`);
  console.log(`orders predicted / actual                ${score.ordersRatio.toFixed(3)}`);
  console.log(`value predicted / actual                 ${score.valueRatio.toFixed(3)}`);
  console.log(`rank correlation of value (Spearman)     ${score.rankCorrelation.toFixed(3)}`);
  console.log(
    `by fifth of predicted value (mean CNY)   ${score.quintiles.map((q) => `${Math.round(q.predicted)} → ${Math.round(q.actual)}`).join(', ')}`,
  );
  console.log(
    JSON.stringify({
      seed: opts.seed,
      simulatedCustomers: opts.customers,
      historyDays: opts.historyDays,
      rulesVersion: rules.version,
      ...score,
    }),
  );
});
