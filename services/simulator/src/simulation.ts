// The whole population living day by day through simulated time. Each day's records, from every
// customer, come out sorted by event time, and every record falls inside its day, so the stream as
// a whole is in event-time order: what the fast mode writes into `customer-events`.
import { businessMidnight, congestion, DAY_MS, dayFacts, seasonality, type SeasonProfile } from './calendar.ts';
import type { Archetype } from './catalogue.ts';
import { CustomerLife, type ChurnCause, type DayContext } from './customer-life.ts';
import { drawCustomer } from './population.ts';
import { createRandom } from './random.ts';
import { byEventTime, type SimulatedRecord } from './records.ts';

export interface SimulationOptions {
  seed: number;
  customers: number;
  days: number;
  /** First simulated day, YYYY-MM-DD; days start at midnight Asia/Shanghai. */
  start: string;
}

export interface SimulatedDay {
  day: number;
  /** Epoch ms of the day's first millisecond. */
  start: number;
  records: SimulatedRecord[];
}

/** One line of the ground-truth file: what the simulator knows and the pipeline must discover. */
export interface GroundTruth {
  customerId: string;
  archetype: string;
  industry: string;
  customerType: string;
  country: string;
  region: string;
  /** The tier the customer's ordering is drawn from (a full year of it lands in that tier). */
  valueTier: string;
  signedUpAt: number;
  /** Signed up during the simulated span (新客户). */
  acquiredDuringSpan: boolean;
  /** Start of the day ordering began to slow, if it did. */
  decliningFrom: number | null;
  /** Time of the last order before the customer stopped ordering; null if it did not stop within the span. */
  churnedAt: number | null;
  churnCause: ChurnCause | null;
  /** Time of the first order after coming back, if the customer was won back within the span. */
  wonBackAt: number | null;
}

const seasonProfiles: readonly SeasonProfile[] = ['manufacturing', 'e_commerce', 'retail_import', 'domestic_retail', 'shipping'];

export class Simulation {
  readonly options: SimulationOptions;
  /** Epoch ms of the first simulated day's start and of the span's end (exclusive). */
  readonly start: number;
  readonly end: number;
  private readonly lives: CustomerLife[];
  /** Each profile's mean daily multiplier over a year, so seasons move orders around without changing their yearly total. */
  private readonly seasonMeans: Map<SeasonProfile, number>;

  constructor(options: SimulationOptions) {
    this.options = options;
    this.start = businessMidnight(options.start);
    this.end = this.start + options.days * DAY_MS;
    this.seasonMeans = new Map(
      seasonProfiles.map((profile) => {
        let sum = 0;
        for (let d = 0; d < 365; d++) sum += seasonality(profile, dayFacts(this.start + d * DAY_MS));
        return [profile, sum / 365];
      }),
    );
    const span = { seed: options.seed, start: this.start, days: options.days };
    this.lives = [];
    for (let i = 0; i < options.customers; i++) {
      const random = createRandom(options.seed, 'customer', i);
      this.lives.push(new CustomerLife(drawCustomer(random, i, span), random));
    }
  }

  /** Lives the simulated days in order; each day's records sorted by event time. */
  *days(): Generator<SimulatedDay> {
    for (let day = 0; day < this.options.days; day++) {
      const start = this.start + day * DAY_MS;
      const facts = dayFacts(start);
      const factors = new Map(seasonProfiles.map((p) => [p, seasonality(p, facts) / (this.seasonMeans.get(p) ?? 1)]));
      const context: DayContext = {
        day,
        start,
        end: start + DAY_MS,
        season: (archetype: Archetype) => factors.get(archetype.season) ?? 1,
        congestion: congestion(facts),
      };
      const records: SimulatedRecord[] = [];
      for (const life of this.lives) life.liveDay(context, records);
      records.sort(byEventTime);
      yield { day, start, records };
    }
  }

  /** Every customer's true story so far, in customer order. */
  groundTruth(): GroundTruth[] {
    return this.lives.map(({ traits: t, story: s }) => ({
      customerId: t.id,
      archetype: t.archetype.name,
      industry: t.archetype.industry,
      customerType: t.customerType,
      country: t.home.country,
      region: t.home.region,
      valueTier: t.tier,
      signedUpAt: t.signedUpAt,
      acquiredDuringSpan: t.acquiredDuringSpan,
      decliningFrom: s.decliningFrom,
      churnedAt: s.churnedAt,
      churnCause: s.churnCause,
      wonBackAt: s.wonBackAt,
    }));
  }
}
