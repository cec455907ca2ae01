// Realistic CRM/TMS export files for the import benchmark, drawn from the simulator's model of
// logistics customers (the same seed gives the same files):
//   node services/importer/src/bench/export-files.ts --rows 1000000 --dir /tmp/exports [--seed 1]
// prints {"rows":…,"files":{…},"bytes":…,"seconds":…,"peakRssMiB":…} on stdout.
// The files look like what operators bring: orders as CSV with Chinese-system habits (wall-clock
// times, thousands separators), shipments as a TMS JSON Lines feed listed waybill by waybill
// (so the file is far from event-time order) whose status rows after the first repeat neither
// mode, port, promised date nor countries, complaints whose follow-up rows repeat neither category
// nor severity, and profiles as CSV: carry-forward and the external sort both do real work.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Complaint, CustomerProfile, Order, Shipment } from '@segmentation/contracts';
import { DAY_MS, Simulation } from '@segmentation/simulator';

/**
 * Records the simulator makes per customer over the five simulated years (orders, shipment
 * statuses, complaints, profiles; churn included): 379 measured with seed 1. The population is
 * sized for a quarter more than asked, and the export stops at `rows`.
 */
const ROWS_PER_CUSTOMER = 300;
/** A waybill is listed once no status came for this long: the TMS export groups a shipment's rows. */
const SHIPMENT_QUIET_MS = 20 * DAY_MS;

export interface ExportFiles {
  rows: number;
  files: { orders: string; shipments: string; complaints: string; profiles: string };
  bytes: number;
}

/** Writes `rows` rows (all kinds together) under `dir`. */
export async function writeExportFiles(dir: string, rows: number, seed: number): Promise<ExportFiles> {
  mkdirSync(dir, { recursive: true });
  const files = {
    orders: join(dir, 'orders.csv'),
    shipments: join(dir, 'shipments.jsonl'),
    complaints: join(dir, 'complaints.jsonl'),
    profiles: join(dir, 'profiles.csv'),
  };
  const out = {
    orders: open(
      files.orders,
      'customer_id,order_no,order_status,order_time,amount,currency,service_level,value_added_services,weight_kg,volume_m3,origin_country,origin_region,destination_country,destination_region,channel\n',
    ),
    shipments: open(files.shipments),
    complaints: open(files.complaints),
    profiles: open(files.profiles, 'customer_id,industry,customer_type,country,region,account_manager,signed_up_at,updated_at\n'),
  };
  // Years of history of a population sized for them, so the simulator holds a modest population
  // even for tens of millions of rows.
  const customers = Math.max(50, Math.ceil(rows / ROWS_PER_CUSTOMER));
  const simulation = new Simulation({ seed, customers, days: 365 * 5, start: '2021-01-01' });
  const openShipments = new Map<string, { last: number; lines: string[] }>();
  const orderSeen = new Set<string>();
  const complaintSeen = new Set<string>();
  let written = 0;
  const flushShipments = async (olderThan: number) => {
    for (const [id, s] of openShipments) {
      if (s.last >= olderThan) continue;
      openShipments.delete(id);
      for (const line of s.lines) await write(out.shipments, line);
    }
  };
  days: for (const day of simulation.days()) {
    for (const { record } of day.records) {
      if (written >= rows) break days;
      written++;
      if (record.kind === 'order') {
        await write(out.orders, orderRow(record.value, orderSeen));
      } else if (record.kind === 'shipment') {
        const s = openShipments.get(record.value.shipmentId);
        if (s === undefined)
          openShipments.set(record.value.shipmentId, { last: record.value.eventTime, lines: [shipmentRow(record.value, true)] });
        else {
          s.last = record.value.eventTime;
          s.lines.push(shipmentRow(record.value, false));
        }
      } else if (record.kind === 'complaint') {
        await write(out.complaints, complaintRow(record.value, complaintSeen));
      } else {
        await write(out.profiles, profileRow(record.value));
      }
    }
    await flushShipments(day.start - SHIPMENT_QUIET_MS);
    // Ids of finished orders and tickets are let go with the day: their follow-ups come within weeks.
    if (day.day % 90 === 89) {
      orderSeen.clear();
      complaintSeen.clear();
    }
  }
  await flushShipments(Number.POSITIVE_INFINITY);
  if (written < rows) throw new Error(`the simulated population made only ${written} of the ${rows} rows asked for`);
  let bytes = 0;
  for (const stream of Object.values(out)) {
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    bytes += stream.bytesWritten;
  }
  return { rows: written, files, bytes };
}

function open(path: string, header = ''): WriteStream {
  const stream = createWriteStream(path, { highWaterMark: 1 << 20 });
  if (header !== '') stream.write(header);
  return stream;
}

async function write(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

/** Wall-clock time in Asia/Shanghai (no daylight saving), as Chinese systems export it. */
const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const csv = (cells: Array<string | number | null>) =>
  cells
    .map((c) => {
      const text = c === null ? '' : String(c);
      return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',') + '\n';
const amount = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A placed order in full; a cancellation or return repeats only the order number, as ERPs list them. */
function orderRow(o: Order, seen: Set<string>): string {
  const first = !seen.has(o.orderId);
  seen.add(o.orderId);
  if (!first && o.kind !== 'PLACED')
    return csv([
      o.customerId,
      o.orderId,
      o.kind.toLowerCase(),
      shanghai(o.eventTime),
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  return csv([
    o.customerId,
    o.orderId,
    o.kind.toLowerCase(),
    shanghai(o.eventTime),
    amount(o.amount),
    o.currency,
    o.serviceLevel.toLowerCase(),
    o.valueAddedServices.join(';'),
    o.weightKg,
    o.volumeM3,
    o.originCountry,
    o.originRegion,
    o.destinationCountry,
    o.destinationRegion,
    o.channel,
  ]);
}

/** The first status of a waybill in full; later ones repeat neither mode, port, promised date, order nor countries. */
function shipmentRow(s: Shipment, first: boolean): string {
  return (
    JSON.stringify(
      first
        ? {
            customer_id: s.customerId,
            waybill_no: s.shipmentId,
            order_no: s.orderId,
            status: s.status.toLowerCase(),
            transport_mode: s.transportMode.toLowerCase(),
            event_time: s.eventTime,
            promised_at: s.promisedDeliveryTime,
            delivered_at: s.actualDeliveryTime,
            port: s.port,
            origin_country: s.originCountry,
            destination_country: s.destinationCountry,
          }
        : {
            customer_id: s.customerId,
            waybill_no: s.shipmentId,
            status: s.status.toLowerCase(),
            event_time: s.eventTime,
            delivered_at: s.actualDeliveryTime,
          },
    ) + '\n'
  );
}

/** A ticket's first row in full; follow-ups repeat neither category, severity nor waybill. */
function complaintRow(c: Complaint, seen: Set<string>): string {
  const first = !seen.has(c.complaintId);
  seen.add(c.complaintId);
  return (
    JSON.stringify({
      customer_id: c.customerId,
      ticket_no: c.complaintId,
      status: c.action.toLowerCase(),
      event_time: shanghai(c.eventTime),
      ...(first ? { category: c.category.toLowerCase(), severity: c.severity.toLowerCase(), waybill_no: c.shipmentId } : {}),
      satisfaction: c.satisfactionScore,
      nps: c.npsScore,
    }) + '\n'
  );
}

function profileRow(p: CustomerProfile): string {
  return csv([
    p.customerId,
    p.industry,
    p.customerType,
    p.country,
    p.region,
    p.accountManager,
    shanghai(p.signedUpAt),
    shanghai(p.eventTime),
  ]);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, dir: { type: 'string' }, seed: { type: 'string', default: '1' } } });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1 || values.dir === undefined || !Number.isInteger(seed)) {
    console.error('usage: node services/importer/src/bench/export-files.ts --rows N --dir DIR [--seed N]');
    process.exit(2);
  }
  const started = performance.now();
  const result = await writeExportFiles(values.dir, rows, seed);
  console.log(
    JSON.stringify({ ...result, seconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
}
