import { DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES, parseRates, sourceContracts, topicNames, type CustomerEvent } from '@segmentation/contracts';
import { runFast } from './fast-mode.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';

/**
 * The normalised `customer-events` a simulated span produces, in log (event-time) order, held in
 * memory: what tests and benchmarks feed the segmenter's state without going through Kafka.
 * Calls `onBatch` for each batch instead of keeping them when given (long spans, many customers).
 */
export async function simulateHistory(options: SimulationOptions, onBatch?: (events: CustomerEvent[]) => void | Promise<void>): Promise<CustomerEvent[]> {
  const kept: CustomerEvent[] = [];
  const writer = { write: async (events: CustomerEvent[]) => { if (onBatch) await onBatch(events); else kept.push(...events); } };
  const validation = { currencies: parseRates(DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES), now: Number.MAX_SAFE_INTEGER, maxFutureSkewMs: 0 };
  const report = await runFast(new Simulation(options), writer, sourceContracts(topicNames('')), validation, { batchSize: 1000 });
  if (report.invalid > 0) throw new Error(`simulator bug: ${report.invalid} records broke their contract (${report.invalidSamples.join('; ')})`);
  return kept;
}
