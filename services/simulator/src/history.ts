import {
  DEFAULT_BASE_CURRENCY,
  DEFAULT_CURRENCY_RATES,
  parseRates,
  sourceContracts,
  topicNames,
  type CustomerEvent,
} from '@segmentation/contracts';
import { runFast } from './fast-mode.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';

/**
 * The normalised `customer-events` a simulated span produces, in log (event-time) order, handed to
 * `onBatch` without going through Kafka: what tests, benchmarks and the quality command feed the
 * segmenter's state. Takes the Simulation so a caller can read its ground truth afterwards.
 */
export async function liveThrough(simulation: Simulation, onBatch: (events: CustomerEvent[]) => void | Promise<void>): Promise<void> {
  const writer = {
    write: async (events: CustomerEvent[]) => {
      await onBatch(events);
    },
  };
  const validation = {
    currencies: parseRates(DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES),
    now: Number.MAX_SAFE_INTEGER,
    maxFutureSkewMs: 0,
  };
  const report = await runFast(simulation, writer, sourceContracts(topicNames('')), validation, { batchSize: 1000 });
  if (report.invalid > 0)
    throw new Error(`simulator bug: ${report.invalid} records broke their contract (${report.invalidSamples.join('; ')})`);
}

/** `liveThrough` a new Simulation; the events are kept and returned unless `onBatch` takes them. */
export async function simulateHistory(
  options: SimulationOptions,
  onBatch?: (events: CustomerEvent[]) => void | Promise<void>,
): Promise<CustomerEvent[]> {
  const kept: CustomerEvent[] = [];
  await liveThrough(
    new Simulation(options),
    onBatch ??
      ((events) => {
        kept.push(...events);
      }),
  );
  return kept;
}

/** Every event of a Simulation's span, kept (its ground truth stays readable on `simulation`). */
export async function simulateHistoryOf(simulation: Simulation): Promise<CustomerEvent[]> {
  const kept: CustomerEvent[] = [];
  await liveThrough(simulation, (events) => {
    kept.push(...events);
  });
  return kept;
}
