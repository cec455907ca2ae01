// Fits the BG/NBD churn model (issue 5, item 3) to order history by maximum likelihood and prints
// the parameters to put under `churn.bgnbd` in the rules file (time unit: weeks, as the rules say):
//   pnpm fit-churn                                   the customers stored in Redis (REDIS_URL, REDIS_KEY_PREFIX),
//                                                    at the latest event time any of them has seen
//   pnpm fit-churn --simulate [--seed 7 --customers 3000 --days 365]   a simulated span (for tuning;
//                                                    evaluate the result with `pnpm quality` on other seeds)
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { bodyOf } from '@segmentation/contracts';
import { parseConfig, runCommand } from '@segmentation/runtime';
import { fitBgNbd, repeatHistoryOf, type RepeatHistory } from '@segmentation/segmentation';
import { simulateHistory } from '@segmentation/simulator';
import { connectRedis, CustomerStateStore } from '@segmentation/state';
import { customerRecordCodec } from './segmenter.ts';

const WEEK_DAYS = 7; // the rules' BG/NBD time unit
const repeatHistory = (orders: number, first: number, last: number, at: number): RepeatHistory => repeatHistoryOf(orders, first, last, at, WEEK_DAYS);

async function fromRedis(url: string, prefix: string): Promise<RepeatHistory[]> {
  const redis = await connectRedis(url);
  try {
    const store = new CustomerStateStore(redis, prefix, customerRecordCodec);
    const lifetimes: Array<{ orders: number; first: number; last: number }> = [];
    let at = 0;
    for await (const ids of store.customerIds(1000)) {
      for (const stored of (await store.load(ids)).values()) {
        const f = stored.state?.features;
        if (!f) continue;
        at = Math.max(at, f.asOf ?? 0);
        const { orders, firstOrderAt, lastOrderAt } = f.lifetime;
        if (orders > 0 && firstOrderAt !== null && lastOrderAt !== null) lifetimes.push({ orders, first: firstOrderAt, last: lastOrderAt });
      }
    }
    return lifetimes.map((l) => repeatHistory(l.orders, l.first, l.last, at));
  } finally {
    redis.disconnect();
  }
}

async function fromSimulation(seed: number, customers: number, days: number): Promise<RepeatHistory[]> {
  const orders = new Map<string, number[]>();
  let end = 0;
  await simulateHistory({ seed, customers, days, start: '2025-01-01' }, (events) => {
    for (const e of events) {
      end = Math.max(end, e.eventTime);
      const b = bodyOf(e);
      if (b.kind !== 'order' || b.order.kind !== 'PLACED') continue;
      const list = orders.get(e.customerId);
      if (list) list.push(e.eventTime); else orders.set(e.customerId, [e.eventTime]);
    }
  });
  return [...orders.values()].map((times) => repeatHistory(times.length, Math.min(...times), Math.max(...times), end));
}

await runCommand('fit-churn', async () => {
  const { values } = parseArgs({ options: { simulate: { type: 'boolean', default: false }, seed: { type: 'string', default: '7' }, customers: { type: 'string', default: '3000' }, days: { type: 'string', default: '365' } } });
  const opts = parseConfig(z.object({
    seed: z.coerce.number().int().min(0),
    customers: z.coerce.number().int().min(10),
    days: z.coerce.number().int().min(7),
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z.string().default('seg:'),
  }), { seed: values.seed, customers: values.customers, days: values.days, REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX });
  const histories = values.simulate ? await fromSimulation(opts.seed, opts.customers, opts.days) : await fromRedis(opts.REDIS_URL, opts.REDIS_KEY_PREFIX);
  if (histories.length < 10) throw new Error(`only ${histories.length} customer(s) with an order: too few to fit the churn model`);
  const began = performance.now();
  const fit = fitBgNbd(histories);
  const r = (v: number) => Number(v.toPrecision(4));
  console.log(`customers with an order   ${histories.length} (${values.simulate ? `simulated, seed ${opts.seed}` : `Redis ${opts.REDIS_KEY_PREFIX}`})`);
  console.log(`log-likelihood            ${fit.logLikelihood.toFixed(1)} (${fit.iterations} iterations, ${fit.converged ? 'converged' : 'NOT converged'}, ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  console.log('for the rules file (churn.bgnbd, per week):');
  console.log(`  bgnbd: { r: ${r(fit.params.r)}, alpha: ${r(fit.params.alpha)}, a: ${r(fit.params.a)}, b: ${r(fit.params.b)} }`);
  console.log(JSON.stringify({ customers: histories.length, ...fit }));
});
