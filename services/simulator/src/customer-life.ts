// One customer living through simulated days: ordering to the rhythm of the calendar, feeling its
// deliveries and complaints, and sometimes drifting away (流失) and being won back (回流).
import type { CustomerProfile, Order, TransportMode } from '@segmentation/contracts';
import { HOUR_MS } from './calendar.ts';
import { accountManagers, cnyPerUnit, railLane, wholeUnitCurrencies, type Archetype } from './catalogue.ts';
import { planComplaint, planFulfilment, promisedDays, type Journey, type Planner } from './fulfilment.ts';
import { ORDER_VALUE_SPREAD, type CustomerTraits } from './population.ts';
import type { Random } from './random.ts';
import type { Impact, SimulatedRecord, SourceRecord } from './records.ts';

/** What the simulation knows about a day before any customer lives it. */
export interface DayContext {
  day: number;
  start: number;
  end: number;
  /** Order-rate multiplier of each archetype's season profile on this day, relative to its yearly mean. */
  season(archetype: Archetype): number;
  /** Multiplier of late deliveries: peak season and Spring Festival congest ports and carriers. */
  congestion: number;
}

export type ChurnCause = Impact['cause'] | 'price_or_competitor';

/** The customer's true story, for the ground-truth file. */
export interface LifeStory {
  decliningFrom: number | null;
  churnedAt: number | null;
  churnCause: ChurnCause | null;
  wonBackAt: number | null;
}

interface Scheduled extends SimulatedRecord {
  impact: Impact | undefined;
}

const DISSATISFACTION_HALF_LIFE_DAYS = 45; // customers forgive, slowly
const DECAY = Math.pow(0.5, 1 / DISSATISFACTION_HALF_LIFE_DAYS);
const PROFILE_CHANGE_PER_DAY = 1 / 300;
/** Dissatisfaction above which a customer who starts to drift is counted as leaving over service. */
const SERVICE_CAUSE_THRESHOLD = 2;

export class CustomerLife implements Planner {
  readonly traits: CustomerTraits;
  readonly random: Random;
  readonly story: LifeStory = { decliningFrom: null, churnedAt: null, churnCause: null, wonBackAt: null };
  private readonly agenda: Scheduled[] = [];
  private seq = 0;
  private ids = { O: 0, S: 0, K: 0 };
  private signedUp = false;
  private phase: 'active' | 'declining' | 'churned' | 'won_back' = 'active';
  private declineStartDay = 0;
  private declineDays = 0;
  private winBackDay = -1;
  private winBackLevel = 1;
  private ordersPlaced = 0;
  private lastPlacedAt: number | null = null;
  private readonly dissatisfaction: Record<Impact['cause'], number> = { late_deliveries: 0, damage_or_loss: 0, complaints: 0 };
  private region: string;
  private accountManager: string | null;

  constructor(traits: CustomerTraits, random: Random) {
    this.traits = traits;
    this.random = random;
    this.region = traits.home.region;
    this.accountManager = traits.accountManager;
  }

  nextEventId(): string {
    return `${this.traits.id}-E${++this.seq}`;
  }

  nextId(prefix: 'O' | 'S' | 'K'): string {
    return `${this.traits.id}-${prefix}${++this.ids[prefix]}`;
  }

  schedule(time: number, record: SourceRecord, impact?: Impact): void {
    // Binary insertion keeps the agenda in time order; a customer has at most a few hundred entries.
    const item: Scheduled = { time, customer: this.traits.index, seq: this.seq, record, impact };
    let lo = 0;
    let hi = this.agenda.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.agenda[mid]!;
      if (other.time < time || (other.time === time && other.seq <= item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.agenda.splice(lo, 0, item);
  }

  /** Lives one day: decides what the customer does, then hands over every record due that day. */
  liveDay(day: DayContext, out: SimulatedRecord[]): void {
    if (!this.signedUp) {
      if (this.traits.signedUpAt >= day.end) return;
      this.signedUp = true;
      // The CRM's view of the customer: at sign-up for new customers, at the span's start for the rest.
      this.scheduleProfile(Math.max(this.traits.signedUpAt, day.start + Math.round(this.random.between(0, 8) * HOUR_MS)));
    } else {
      this.decide(day);
    }
    while (this.agenda.length > 0 && this.agenda[0]!.time < day.end) {
      const item = this.agenda.shift()!;
      out.push(item);
      if (item.impact) this.dissatisfaction[item.impact.cause] = Math.max(0, this.dissatisfaction[item.impact.cause] + item.impact.amount);
    }
  }

  private decide(day: DayContext): void {
    const r = this.random;
    const d = this.dissatisfaction;
    d.late_deliveries *= DECAY;
    d.damage_or_loss *= DECAY;
    d.complaints *= DECAY;
    const unhappiness = d.late_deliveries + d.damage_or_loss + d.complaints;

    let rateFactor = 1;
    switch (this.phase) {
      case 'active':
        // Only a customer with a history can drift away; bad experiences make it far likelier.
        if (this.ordersPlaced >= 2 && r.chance((this.traits.churnPerYear / 365) * (1 + 0.8 * unhappiness))) {
          this.phase = 'declining';
          this.declineStartDay = day.day;
          this.declineDays = r.int(20, 75);
          this.story.decliningFrom = day.start;
          this.story.churnCause =
            unhappiness < SERVICE_CAUSE_THRESHOLD
              ? 'price_or_competitor'
              : (Object.entries(d) as Array<[Impact['cause'], number]>).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
        }
        break;
      case 'declining':
        if (day.day >= this.declineStartDay + this.declineDays) {
          this.phase = 'churned';
          this.story.churnedAt = this.lastPlacedAt;
          if (r.chance(this.traits.winBackChance)) this.winBackDay = day.day + r.int(30, 150);
          rateFactor = 0;
        } else {
          rateFactor = 0.8 * (1 - (day.day - this.declineStartDay) / this.declineDays);
        }
        break;
      case 'churned':
        rateFactor = 0;
        if (day.day === this.winBackDay) {
          // Won back (流失挽回): one order that day marks the return, then ordering resumes.
          this.phase = 'won_back';
          this.winBackLevel = r.between(0.6, 1);
          d.late_deliveries = d.damage_or_loss = d.complaints = 0;
          this.story.wonBackAt = this.placeOrder(day.start + this.businessHour(), day);
        }
        break;
      case 'won_back':
        rateFactor = this.winBackLevel;
        break;
    }

    if (rateFactor > 0) {
      const mean = (this.traits.ordersPerYear / 365) * day.season(this.traits.archetype) * rateFactor;
      for (let n = this.random.poisson(mean); n > 0; n--) this.placeOrder(day.start + this.businessHour(), day);
    }
    // Rare happenings share one draw (they are rare enough never to need two on one day):
    // complaints no shipment explains (billing disputes, rude drivers), and CRM changes.
    const rare = r.next();
    const complaintChance = this.phase === 'churned' ? 0 : (this.traits.complaintPropensity * 0.6) / 365;
    if (rare < complaintChance) {
      const category = r.weighted([
        ['BILLING', 5],
        ['SERVICE_ATTITUDE', 3],
        ['OTHER', 2],
      ] as const);
      planComplaint(this, day.start + this.businessHour(), category, r.chance(0.6) ? 'LOW' : 'MEDIUM', null);
    } else if (rare < complaintChance + PROFILE_CHANGE_PER_DAY) {
      // A new account manager, now and then a move to another region.
      if (this.traits.tier !== 'low' || this.accountManager !== null) this.accountManager = r.pick(accountManagers);
      else if (r.chance(0.05)) this.region = `${this.traits.home.region} (${r.pick(['north', 'south', 'east', 'west'])})`;
      this.scheduleProfile(day.start + this.businessHour());
    }
  }

  /** A time of day in ms: offices order in business hours, online sellers around the clock. */
  private businessHour(): number {
    const online = this.traits.archetype.industry === 'E_COMMERCE';
    const hours = online ? this.random.between(0, 24) : Math.min(23.9, Math.max(0, 14 + 3 * this.random.normal()));
    return Math.round(hours * HOUR_MS);
  }

  private scheduleProfile(time: number): void {
    const t = this.traits;
    const value: CustomerProfile = {
      eventId: this.nextEventId(),
      customerId: t.id,
      eventTime: time,
      industry: t.archetype.industry,
      customerType: t.customerType,
      country: t.home.country,
      region: this.region,
      accountManager: this.accountManager,
      signedUpAt: Math.min(t.signedUpAt, time),
    };
    this.schedule(time, { kind: 'profile', value });
  }

  /** Places an order at `time` and plans what follows it; returns the time. */
  private placeOrder(time: number, day: DayContext): number {
    const r = this.random;
    const t = this.traits;
    const lane = r.pick(t.lanes);
    const international = lane.origin.country !== lane.destination.country;
    const serviceLevel = r.weighted(t.serviceLevels);
    let mode: TransportMode = r.weighted(t.archetype.modes);
    if (mode === 'RAIL' && !railLane(lane.origin.country, lane.destination.country)) mode = 'SEA';
    if (!international && mode === 'SEA') mode = 'ROAD';
    const valueCny =
      r.logNormal(t.medianOrderCny, ORDER_VALUE_SPREAD) * (serviceLevel === 'EXPRESS' ? 1.6 : serviceLevel === 'ECONOMY' ? 0.75 : 1);
    const perUnit = cnyPerUnit[t.currency] ?? 1;
    const amount = wholeUnitCurrencies.has(t.currency) ? Math.round(valueCny / perUnit) : Math.round((valueCny / perUnit) * 100) / 100;
    const weightKg = Math.round(r.logNormal(mode === 'SEA' ? 6000 : mode === 'RAIL' ? 5000 : mode === 'AIR' ? 120 : 800, 0.8) * 10) / 10;
    const density = mode === 'AIR' ? 167 : mode === 'ROAD' ? 300 : 250; // kg per m³, the carriers' chargeable-weight ratios
    const order: Order = {
      eventId: this.nextEventId(),
      customerId: t.id,
      orderId: this.nextId('O'),
      kind: 'PLACED',
      eventTime: time,
      amount,
      currency: t.currency,
      serviceLevel,
      valueAddedServices: t.archetype.valueAddedServices
        .filter(([service, p]) => (international || service !== 'customs_clearance') && r.chance(p))
        .map(([service]) => service),
      weightKg,
      volumeM3: Math.round((weightKg / density) * 100) / 100,
      originCountry: lane.origin.country,
      originRegion: lane.origin.region,
      destinationCountry: lane.destination.country,
      destinationRegion: lane.destination.region,
      channel: r.chance(0.85) ? t.channel : r.weighted(t.archetype.channels),
    };
    this.schedule(time, { kind: 'order', value: order });
    this.ordersPlaced++;
    // Orders of one day are drawn in no particular order of time.
    this.lastPlacedAt = Math.max(this.lastPlacedAt ?? time, time);
    if (r.chance(t.cancelRate)) {
      const cancelledAt = Math.round(time + r.between(1, 20) * HOUR_MS);
      this.schedule(cancelledAt, {
        kind: 'order',
        value: { ...order, eventId: this.nextEventId(), kind: 'CANCELLED', eventTime: cancelledAt },
      });
      return time;
    }
    const port = mode === 'SEA' || mode === 'RAIL';
    const journey: Journey = {
      mode,
      serviceLevel,
      originPort: port ? r.pick(lane.origin.ports) : null,
      destinationPort: port ? r.pick(lane.destination.ports) : null,
      promisedDays: promisedDays(mode, serviceLevel, lane.origin.country, lane.destination.country),
      congestion: day.congestion,
    };
    planFulfilment(this, order, journey);
    return time;
  }
}
