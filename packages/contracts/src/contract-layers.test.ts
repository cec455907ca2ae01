import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { avroSchemas } from './avro-schemas.ts';
import { aComplaint, anOrder, aProfile, aShipment } from './builders.ts';
import { complaintSchema } from './complaint-validation.ts';
import {
  aChurnAlert,
  aComplaintEvent,
  anAlertWorkflowEvent,
  anOrderEvent,
  aFeatureSnapshot,
  aProfileEvent,
  aSegmentChange,
  aShipmentEvent,
  aTick,
} from './log-builders.ts';
import { parseRates } from './money.ts';
import { orderSchema } from './order-validation.ts';
import { profileSchema } from './profile-validation.ts';
import type {
  AlertOutcome,
  AlertWorkflowKind,
  ChurnAlert,
  ConsoleAuditRecord,
  CustomerErasure,
  CustomerEvent,
  EpisodeEvent,
  OutputCause,
  RulesApplied,
  RulesVersionRecord,
} from './records.ts';
import { shipmentSchema } from './shipment-validation.ts';
import { sourceContracts } from './sources.ts';
import { topicNames } from './topics.ts';

// Every record on Kafka is written once, as an Avro schema under schemas/avro: the source of truth.
// The zod schemas that validate source records, the TypeScript types, the builders and what
// ingest normalises into `customer-events` are checked here against it, field by field, so a field
// added or renamed in one layer and not the others fails with the field's path and the layers that
// disagree. Fields are walked from the schemas, never listed by hand.

// ---- the Avro side: the schema JSON, read with its logical types (avsc drops them when parsing)

interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
}
type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
type AvroType =
  | { kind: 'primitive'; name: AvroPrimitive; logicalType?: string }
  | { kind: 'enum'; name: string; symbols: string[] }
  | { kind: 'array'; items: AvroType }
  | { kind: 'map'; values: AvroType }
  | { kind: 'record'; name: string; fields: AvroField[] }
  | { kind: 'union'; branches: AvroType[] };

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const isPrimitive = (s: string): s is AvroPrimitive => PRIMITIVES.has(s);

/** Reads an Avro schema's JSON; named types are remembered, so a later reference by name resolves. */
function readAvro(json: unknown, named = new Map<string, AvroType>()): AvroType {
  if (typeof json === 'string') {
    if (isPrimitive(json)) return { kind: 'primitive', name: json };
    const found = named.get(json) ?? named.get(json.split('.').pop() ?? json);
    if (found === undefined) throw new Error(`unknown Avro type ${json}`);
    return found;
  }
  if (Array.isArray(json)) return { kind: 'union', branches: json.map((b) => readAvro(b, named)) };
  const o = json as { type: unknown; name?: string; symbols?: string[]; items?: unknown; values?: unknown; logicalType?: string };
  const fields = (json as { fields?: Array<{ name: string; type: unknown; doc?: string }> }).fields;
  if (typeof o.type === 'string' && isPrimitive(o.type))
    return o.logicalType === undefined
      ? { kind: 'primitive', name: o.type }
      : { kind: 'primitive', name: o.type, logicalType: o.logicalType };
  switch (o.type) {
    case 'enum': {
      const t: AvroType = { kind: 'enum', name: o.name ?? '?', symbols: o.symbols ?? [] };
      named.set(t.name, t);
      return t;
    }
    case 'array':
      return { kind: 'array', items: readAvro(o.items, named) };
    case 'map':
      return { kind: 'map', values: readAvro(o.values, named) };
    case 'record': {
      const t: { kind: 'record'; name: string; fields: AvroField[] } = { kind: 'record', name: o.name ?? '?', fields: [] };
      named.set(t.name, t);
      for (const f of fields ?? [])
        t.fields.push({ name: f.name, type: readAvro(f.type, named), ...(f.doc === undefined ? {} : { doc: f.doc }) });
      return t;
    }
    default:
      return readAvro(o.type, named);
  }
}

const recordOf = (schemaText: string): Extract<AvroType, { kind: 'record' }> => {
  const t = readAvro(JSON.parse(schemaText));
  if (t.kind !== 'record') throw new Error('expected a record schema');
  return t;
};

/** `["null", X]` is X that may be null; any other union stays a union. */
function splitNull(t: AvroType): { nullable: boolean; inner: AvroType } {
  if (t.kind !== 'union') return { nullable: false, inner: t };
  const rest = t.branches.filter((b) => !(b.kind === 'primitive' && b.name === 'null'));
  return rest.length === 1 && rest[0] !== undefined && rest.length < t.branches.length
    ? { nullable: true, inner: rest[0] }
    : { nullable: false, inner: t };
}

function describeAvro(t: AvroType): string {
  switch (t.kind) {
    case 'primitive':
      return t.logicalType === undefined ? t.name : `${t.name} (${t.logicalType})`;
    case 'enum':
      return `enum ${t.name} [${t.symbols.join(', ')}]`;
    case 'array':
      return `array of ${describeAvro(t.items)}`;
    case 'map':
      return `map of ${describeAvro(t.values)}`;
    case 'record':
      return `record ${t.name}`;
    case 'union': {
      const { nullable, inner } = splitNull(t);
      return nullable ? `nullable ${describeAvro(inner)}` : `union of ${t.branches.map(describeAvro).join(' | ')}`;
    }
  }
}

/** The record branches of the customer-events body union, by short name. */
function logBranches(): Map<string, Extract<AvroType, { kind: 'record' }>> {
  const body = recordOf(avroSchemas.customerEvent).fields.find((f) => f.name === 'body');
  if (body?.type.kind !== 'union') throw new Error('customer-event.avsc: body is not a union');
  return new Map(body.type.branches.flatMap((b) => (b.kind === 'record' ? [[b.name, b] as const] : [])));
}

// ---- the zod side

function splitZodNull(s: z.ZodType): { nullable: boolean; inner: z.ZodType } {
  if (s instanceof z.ZodNullable) return { nullable: true, inner: s.unwrap() as z.ZodType };
  return { nullable: false, inner: s };
}

function describeZod(s: z.ZodType): string {
  const { nullable, inner } = splitZodNull(s);
  const base =
    inner instanceof z.ZodNumber
      ? inner.isInt
        ? 'integer'
        : 'number'
      : inner instanceof z.ZodEnum
        ? `enum [${inner.options.join(', ')}]`
        : inner instanceof z.ZodArray
          ? `array of ${describeZod(inner.element as z.ZodType)}`
          : inner instanceof z.ZodRecord
            ? `record of ${describeZod(inner.valueType as z.ZodType)}`
            : inner.def.type;
  return nullable ? `nullable ${base}` : base;
}

/**
 * What a zod schema must be to take every value of the Avro type and no value the type cannot
 * encode: null exactly where Avro allows it, integers for int and long, the enum's symbols exactly,
 * and every record field on both sides. A zod string may narrow an Avro string (codes, patterns).
 */
function compareToZod(avroType: AvroType, schema: z.ZodType, path: string): string[] {
  const a = splitNull(avroType);
  const s = splitZodNull(schema);
  const says = `Avro says ${describeAvro(avroType)}, zod says ${describeZod(schema)}`;
  if (a.nullable !== s.nullable) return [`${path}: ${says} (null ${a.nullable ? 'allowed' : 'refused'} by Avro only)`];
  const t = a.inner;
  const zt = s.inner;
  switch (t.kind) {
    case 'primitive': {
      const ok =
        t.name === 'string'
          ? zt instanceof z.ZodString || zt instanceof z.ZodEnum
          : t.name === 'int' || t.name === 'long'
            ? zt instanceof z.ZodNumber && zt.isInt === true
            : t.name === 'float' || t.name === 'double'
              ? zt instanceof z.ZodNumber
              : t.name === 'boolean'
                ? zt instanceof z.ZodBoolean
                : false;
      return ok ? [] : [`${path}: ${says}`];
    }
    case 'enum': {
      if (!(zt instanceof z.ZodEnum)) return [`${path}: ${says}`];
      const zodSymbols = zt.options.map(String);
      const missing = t.symbols.filter((x) => !zodSymbols.includes(x));
      const extra = zodSymbols.filter((x) => !t.symbols.includes(x));
      return [
        ...(missing.length ? [`${path}: Avro enum ${t.name} has ${missing.join(', ')}, zod does not`] : []),
        ...(extra.length ? [`${path}: zod has ${extra.join(', ')}, Avro enum ${t.name} does not`] : []),
      ];
    }
    case 'array':
      return zt instanceof z.ZodArray ? compareToZod(t.items, zt.element as z.ZodType, `${path}[]`) : [`${path}: ${says}`];
    case 'map':
      return zt instanceof z.ZodRecord ? compareToZod(t.values, zt.valueType as z.ZodType, `${path}{}`) : [`${path}: ${says}`];
    case 'record':
      return zt instanceof z.ZodObject ? compareRecordToZod(t, zt, path) : [`${path}: ${says}`];
    case 'union':
      return [`${path}: ${says} (no zod counterpart is checked for this union)`];
  }
}

function compareRecordToZod(record: Extract<AvroType, { kind: 'record' }>, schema: z.ZodObject, path = record.name): string[] {
  const shape = schema.shape as Record<string, z.ZodType>;
  const avroNames = record.fields.map((f) => f.name);
  return [
    ...record.fields.flatMap((f) => {
      const field = shape[f.name];
      return field === undefined
        ? [`${path}.${f.name}: in Avro (${describeAvro(f.type)}), missing from zod`]
        : compareToZod(f.type, field, `${path}.${f.name}`);
    }),
    ...Object.keys(shape)
      .filter((k) => !avroNames.includes(k))
      .map((k) => `${path}.${k}: in zod (${describeZod(shape[k] as z.ZodType)}), missing from Avro`),
  ];
}

// ---- a value against an Avro type, with the path of every field that does not fit

/** Why a value does not fit the Avro type, one line per field (undeclared fields named too). */
function avroErrors(schemaText: string, value: unknown): string[] {
  const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);
  const errors: string[] = [];
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook(path: string[], any: unknown, t: avro.Type) {
      const at = path.join('.') || '(record)';
      if (t instanceof avro.types.RecordType && typeof any === 'object' && any !== null) {
        const declared = new Set(t.fields.map((f) => f.name));
        const undeclared = Object.keys(any).filter((k) => !declared.has(k));
        if (undeclared.length) {
          errors.push(`${at}: ${undeclared.join(', ')} not in Avro record ${t.name ?? ''}`);
          return;
        }
      }
      errors.push(`${at}: ${JSON.stringify(any)} is not a valid ${t.typeName}`);
    },
  });
  return errors;
}

/** Field names of a value and of the Avro record, both ways. */
function fieldDifferences(record: Extract<AvroType, { kind: 'record' }>, value: object, layer: string): string[] {
  const avroNames = record.fields.map((f) => f.name);
  const keys = Object.keys(value);
  return [
    ...avroNames.filter((n) => !keys.includes(n)).map((n) => `${record.name}.${n}: in Avro, missing from ${layer}`),
    ...keys.filter((k) => !avroNames.includes(k)).map((k) => `${record.name}.${k}: in ${layer}, missing from Avro`),
  ];
}

/** Every field that is optional in Avro set to null, so the nullable paths are checked too. */
function withNulls(record: Extract<AvroType, { kind: 'record' }>, value: object): object {
  const nulls = Object.fromEntries(record.fields.filter((f) => splitNull(f.type).nullable).map((f) => [f.name, null]));
  return { ...value, ...nulls };
}

// ---- the families

const T = Date.UTC(2026, 2, 5, 2);
const ctx = { currencies: parseRates('CNY', 'USD=7.1'), now: T + 60_000, maxFutureSkewMs: 300_000 };
const contracts = new Map(sourceContracts(topicNames()).map((c) => [c.kind, c]));

/**
 * The four source records (orders, shipments, complaints, profiles): the Avro schema of the source
 * topic, the zod schema ingest validates with, the builder, and the record of `customer-events`
 * ingest normalises it into. `addedAtIngest` are the fields of the log record that ingest derives
 * (they are not in the source record); `envelope` fields travel in the CustomerEvent itself.
 */
const sources = [
  {
    kind: 'order',
    avro: avroSchemas.order,
    zod: orderSchema,
    build: anOrder,
    branch: 'OrderRecorded',
    addedAtIngest: ['amountBase', 'baseCurrency'],
  },
  {
    kind: 'shipment',
    avro: avroSchemas.shipment,
    zod: shipmentSchema,
    build: aShipment,
    branch: 'ShipmentRecorded',
    addedAtIngest: ['onTime'],
  },
  {
    kind: 'complaint',
    avro: avroSchemas.complaint,
    zod: complaintSchema,
    build: aComplaint,
    branch: 'ComplaintRecorded',
    addedAtIngest: [],
  },
  { kind: 'profile', avro: avroSchemas.customerProfile, zod: profileSchema, build: aProfile, branch: 'ProfileRecorded', addedAtIngest: [] },
] as const;
const ENVELOPE = ['eventId', 'customerId', 'eventTime'];

describe('source records: zod, builders and the customer-events record against schemas/avro', () => {
  describe.each(sources)('$kind', (s) => {
    const record = recordOf(s.avro);

    it('the zod schema has every Avro field, with a compatible type and the same enum symbols, and no other field', () => {
      expect(compareRecordToZod(record, s.zod)).toEqual([]);
    });

    it('the source contract of ingest carries this Avro schema', () => {
      expect(contracts.get(s.kind)?.schema).toBe(s.avro);
    });

    it('the builder builds a record that fits the Avro type and passes zod, with every optional field given or null', () => {
      const built = s.build({ eventTime: T });
      expect(fieldDifferences(record, built, 'the builder')).toEqual([]);
      expect(avroErrors(s.avro, built)).toEqual([]);
      expect((s.zod.safeParse(built).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message} (zod)`)).toEqual([]);
      expect(avroErrors(s.avro, withNulls(record, built))).toEqual([]);
    });

    it('ingest normalises it into a customer-events record that fits the log schema', () => {
      // A DELIVERED shipment carries its delivery time, so the normalised record has onTime set.
      const raw =
        s.kind === 'shipment' ? aShipment({ eventTime: T, status: 'DELIVERED', actualDeliveryTime: T }) : s.build({ eventTime: T });
      const result = contracts
        .get(s.kind)
        ?.normalise(raw, raw.customerId, { topic: contracts.get(s.kind)?.topic ?? '', partition: 1, offset: 2 }, ctx);
      if (!result?.ok) throw new Error(`expected ${s.kind} to be accepted: ${result?.message}`);
      expect(avroErrors(avroSchemas.customerEvent, result.value)).toEqual([]);
    });

    it(`the log record ${s.branch} has every source field but the envelope, with the same Avro type, plus only what ingest adds`, () => {
      const branch = logBranches().get(s.branch);
      if (branch === undefined) throw new Error(`customer-event.avsc has no body branch ${s.branch}`);
      const log = new Map(branch.fields.map((f) => [f.name, f]));
      const problems: string[] = [];
      for (const f of record.fields) {
        if (ENVELOPE.includes(f.name)) continue;
        const there = log.get(f.name);
        if (there === undefined) problems.push(`${s.branch}.${f.name}: in ${record.name}, missing from the log record`);
        else if (describeAvro(there.type) !== describeAvro(f.type))
          problems.push(
            `${s.branch}.${f.name}: ${record.name} says ${describeAvro(f.type)}, the log record says ${describeAvro(there.type)}`,
          );
      }
      const sourceNames = record.fields.map((f) => f.name);
      for (const f of branch.fields)
        if (!sourceNames.includes(f.name) && !(s.addedAtIngest as readonly string[]).includes(f.name))
          problems.push(`${s.branch}.${f.name}: in the log record, neither in ${record.name} nor added at ingest`);
      for (const added of s.addedAtIngest)
        if (!log.has(added)) problems.push(`${s.branch}.${added}: added at ingest, missing from the log record`);
      expect(problems).toEqual([]);
    });

    it('the envelope fields have the same Avro type in the source record and in CustomerEvent', () => {
      const envelope = recordOf(avroSchemas.customerEvent).fields;
      const problems = ENVELOPE.flatMap((name) => {
        const here = record.fields.find((f) => f.name === name);
        const there = envelope.find((f) => f.name === name);
        if (here === undefined || there === undefined)
          return [`${name}: ${here ? 'missing from CustomerEvent' : `missing from ${record.name}`}`];
        return describeAvro(here.type) === describeAvro(there.type)
          ? []
          : [`${name}: ${record.name} says ${describeAvro(here.type)}, CustomerEvent says ${describeAvro(there.type)}`];
      });
      expect(problems).toEqual([]);
    });
  });
});

describe('customer-events: the log builders against customer-event.avsc', () => {
  const rules: RulesApplied = { version: 'r2', content: 'dimensions: {}', appliedAt: T, appliedBy: 'ops-zhang' };
  const events: Array<[string, CustomerEvent]> = [
    ['OrderRecorded', anOrderEvent({ customerId: 'C-1', eventId: 'e1', eventTime: T })],
    ['ShipmentRecorded', aShipmentEvent({ customerId: 'C-1', eventId: 'e2', eventTime: T })],
    ['ComplaintRecorded', aComplaintEvent({ customerId: 'C-1', eventId: 'e3', eventTime: T })],
    ['ProfileRecorded', aProfileEvent({ customerId: 'C-1', eventId: 'e4', eventTime: T })],
    ['Tick', aTick(3, T)],
    ['RulesApplied', { eventId: 'rules-r2', customerId: '', eventTime: T, source: null, body: { 'segmentation.log.RulesApplied': rules } }],
  ];

  it('builds one record for every branch of the body union', () => {
    expect([...logBranches().keys()].sort()).toEqual(events.map(([name]) => name).sort());
  });

  it.each(events)('%s: the envelope and the body have every Avro field and fit the type', (name, event) => {
    const branch = logBranches().get(name);
    const body = Object.values(event.body)[0] as object;
    if (branch === undefined) throw new Error(`customer-event.avsc has no body branch ${name}`);
    expect(fieldDifferences(recordOf(avroSchemas.customerEvent), event, 'the builder')).toEqual([]);
    expect(fieldDifferences(branch, body, 'the builder')).toEqual([]);
    expect(avroErrors(avroSchemas.customerEvent, event)).toEqual([]);
    expect(
      avroErrors(avroSchemas.customerEvent, { ...event, source: null, body: { [`segmentation.log.${name}`]: withNulls(branch, body) } }),
    ).toEqual([]);
  });
});

// The outputs and the other topics: the TypeScript record (its builder, or an example typed with
// the record's type, so the compiler holds it to every property) against the topic's Avro schema.
const outputs: Array<{ topic: string; avro: string; value: object }> = [
  {
    topic: 'segment-changes',
    avro: avroSchemas.segmentChange,
    value: aSegmentChange({ customerId: 'C-1', sequence: 1, fromSegment: null, toSegment: 'high', eventTime: T }),
  },
  {
    topic: 'churn-alerts',
    avro: avroSchemas.churnAlert,
    value: aChurnAlert({ customerId: 'C-1', sequence: 1, level: 'watch', eventTime: T }),
  },
  {
    topic: 'feature-snapshots',
    avro: avroSchemas.featureSnapshot,
    value: aFeatureSnapshot({ customerId: 'C-1', eventTime: T, features: { order_value_365d: 1200.5 }, segments: { value_tier: 'high' } }),
  },
  {
    topic: 'alert-workflow',
    avro: avroSchemas.alertWorkflow,
    value: anAlertWorkflowEvent({ episodeId: 'C-1/episode/1', at: T, kind: 'action_taken' }),
  },
  {
    topic: 'rules-versions',
    avro: avroSchemas.rulesVersion,
    value: {
      version: 'r2',
      content: 'dimensions: {}',
      appliedAt: T,
      appliedBy: 'ops-zhang',
      note: 'quarterly thresholds',
    } satisfies RulesVersionRecord,
  },
  {
    topic: 'customer-erasures',
    avro: avroSchemas.customerErasure,
    value: { customerId: 'C-1', requestedAt: T, requestedBy: 'dpo-wang', reason: 'TICKET-42' } satisfies CustomerErasure,
  },
  {
    topic: 'console-audit',
    avro: avroSchemas.consoleAudit,
    value: {
      auditId: 'a-1',
      at: T,
      user: 'ops-zhang',
      role: 'operator',
      action: 'customer_viewed',
      customerIds: ['C-1'],
      route: '/api/customers/:id',
      detail: '',
    } satisfies ConsoleAuditRecord,
  },
];

describe('outputs and operational topics: the TypeScript record against schemas/avro', () => {
  it.each(outputs)('$topic: every Avro field is a property of the record and every property an Avro field', ({ avro: schema, value }) => {
    expect(fieldDifferences(recordOf(schema), value, 'the TypeScript record')).toEqual([]);
  });

  it.each(outputs)('$topic: the record fits the Avro type, with every optional field given or null', ({ avro: schema, value }) => {
    expect(avroErrors(schema, value)).toEqual([]);
    expect(avroErrors(schema, withNulls(recordOf(schema), value))).toEqual([]);
  });
});

// Values Avro carries as strings (readers keep values they do not know, so a new value is not a
// schema change): the TypeScript union is the list, and the Avro field's doc must name every value.
// `satisfies Record<Union, true>` makes the compiler hold each list to its union, both ways.
const stringCoded: Array<{ schema: string; record: string; field: string; values: Record<string, true> }> = [
  {
    schema: avroSchemas.churnAlert,
    record: 'ChurnAlert',
    field: 'level',
    values: { watch: true, warning: true, critical: true, cleared: true } satisfies Record<ChurnAlert['level'], true>,
  },
  {
    schema: avroSchemas.churnAlert,
    record: 'ChurnAlert',
    field: 'cause',
    values: { event: true, timer: true, profile: true, rules_changed: true } satisfies Record<OutputCause, true>,
  },
  {
    schema: avroSchemas.churnAlert,
    record: 'ChurnAlert',
    field: 'episodeEvent',
    values: { opened: true, escalated: true, re_escalated: true, de_escalated: true, closed: true } satisfies Record<EpisodeEvent, true>,
  },
  {
    schema: avroSchemas.segmentChange,
    record: 'SegmentChange',
    field: 'cause',
    values: { event: true, timer: true, profile: true, rules_changed: true } satisfies Record<OutputCause, true>,
  },
  {
    schema: avroSchemas.alertWorkflow,
    record: 'AlertWorkflowEvent',
    field: 'kind',
    values: { acknowledged: true, assigned: true, action_taken: true, closed_with_outcome: true } satisfies Record<AlertWorkflowKind, true>,
  },
  {
    schema: avroSchemas.alertWorkflow,
    record: 'AlertWorkflowEvent',
    field: 'outcome',
    values: { retained: true, won_back: true, lost: true, not_a_churn_risk: true } satisfies Record<AlertOutcome, true>,
  },
];

describe('values carried as Avro strings', () => {
  it.each(stringCoded)('$field of $record: the Avro doc names every value of the TypeScript union', ({ schema, field, record, values }) => {
    const doc = recordOf(schema).fields.find((f) => f.name === field)?.doc ?? '';
    const unnamed = Object.keys(values).filter((v) => !new RegExp(`(^|[^\\w])${v}([^\\w]|$)`).test(doc));
    expect(unnamed.map((v) => `${record}.${field}: ${v} is in the TypeScript union, not in the Avro doc`)).toEqual([]);
  });
});
