import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { rowsForAlertWorkflowEvent } from './alert-workflow-table.ts';
import { rowsForCustomerEvent } from './business-event-tables.ts';
import { rowsForChurnAlert } from './churn-alerts-table.ts';
import { rowsForFeatureSnapshot } from './feature-snapshots-table.ts';
import { rowsForRulesVersion } from './rules-versions-table.ts';
import { segmentChangeRow } from './segment-changes-table.ts';
import { insertRows, InvalidRowError, rowsForSegmentChange, tableRowSchemas, type TableRow } from './table-row.ts';
import {
  aChurnAlert,
  aComplaintEvent,
  anAlertWorkflowEvent,
  aFeatureSnapshot,
  anOrderEvent,
  aProfileEvent,
  aSegmentChange,
  aShipmentEvent,
  aTick,
} from '@segmentation/contracts';

const at = Date.UTC(2026, 2, 1, 2, 0, 0, 123);
const position = { partition: 7, offset: 4242 };

/** A client that records inserts: insertRows must validate before it reaches the engine. */
function aRecordingClient() {
  const inserts: Array<{ table: string; values: unknown; format: string }> = [];
  const client = {
    insert: (args: { table: string; values: unknown; format: string }) => {
      inserts.push(args);
      return Promise.resolve();
    },
  };
  return { client: client as unknown as ClickHouseClient, inserts };
}

const valid = (rows: TableRow[]) => rows.every(({ table, row }) => tableRowSchemas[table]?.safeParse(row).success === true);

describe('rowsForCustomerEvent', () => {
  it('maps an order with its log and source positions, money at the Decimal(18, 4) scale', () => {
    const event = anOrderEvent({
      customerId: 'C1',
      eventId: 'e1',
      eventTime: at,
      amount: 10.123456,
      amountBase: 71.876543,
      currency: 'USD',
    });
    const rows = rowsForCustomerEvent(event, position);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      table: 'orders',
      row: {
        event_id: 'e1',
        customer_id: 'C1',
        event_time: '2026-03-01 02:00:00.123',
        order_id: 'O-e1',
        kind: 'PLACED',
        amount: 10.1235,
        currency: 'USD',
        amount_base: 71.8765,
        base_currency: 'CNY',
        log_partition: 7,
        log_offset: 4242,
        source_topic: 'orders',
        source_partition: 0,
        source_offset: 0,
      },
    });
    expect(valid(rows)).toBe(true);
  });

  it('maps shipments, complaints and profiles into their own tables, with nullable times', () => {
    const shipment = rowsForCustomerEvent(
      aShipmentEvent({ customerId: 'C1', eventId: 's', eventTime: at, actualDeliveryTime: null, onTime: null }),
      position,
    );
    expect(shipment[0]).toMatchObject({
      table: 'shipments',
      row: { shipment_id: 'S-s', actual_delivery_time: null, promised_delivery_time: '2026-03-01 02:00:00.123', on_time: null },
    });
    const complaint = rowsForCustomerEvent(
      aComplaintEvent({ customerId: 'C1', eventId: 'k', eventTime: at, satisfactionScore: 2 }),
      position,
    );
    expect(complaint[0]).toMatchObject({ table: 'complaints', row: { complaint_id: 'K-k', satisfaction_score: 2, nps_score: null } });
    const profile = rowsForCustomerEvent(
      aProfileEvent({ customerId: 'C1', eventId: 'p', eventTime: at, signedUpAt: Date.UTC(2025, 0, 2) }),
      position,
    );
    expect(profile[0]).toMatchObject({
      table: 'customer_profiles',
      row: { signed_up_at: '2025-01-02 00:00:00.000', industry: 'MANUFACTURING' },
    });
    expect(valid([...shipment, ...complaint, ...profile])).toBe(true);
  });

  it('keeps no source position for a record written straight into the log', () => {
    const rows = rowsForCustomerEvent({ ...anOrderEvent({ customerId: 'C1', eventId: 'e', eventTime: at }), source: null }, position);
    expect(rows[0]?.row).toMatchObject({ source_topic: null, source_partition: null, source_offset: null, log_offset: 4242 });
    expect(valid(rows)).toBe(true);
  });

  it('stores nothing for a tick: it only moves the log clock', () => {
    expect(rowsForCustomerEvent(aTick(3, at), position)).toEqual([]);
  });
});

describe('output records', () => {
  it('maps a segment change exactly as segmentChangeRow does', () => {
    const change = aSegmentChange({ customerId: 'C1', sequence: 2, fromSegment: 'low', toSegment: 'medium', eventTime: at });
    expect(rowsForSegmentChange(change)).toEqual([{ table: 'segment_changes', row: segmentChangeRow(change) }]);
  });

  it('spreads churn reasons into parallel arrays, most important first', () => {
    const rows = rowsForChurnAlert(
      aChurnAlert({
        customerId: 'C1',
        sequence: 1,
        level: 'warning',
        eventTime: at,
        reasons: [
          { code: 'order_gap', text: 'gap', value: 40 },
          { code: 'open_complaints', text: 'open', value: null },
        ],
      }),
    );
    expect(rows[0]).toMatchObject({
      table: 'churn_alerts',
      row: {
        alert_id: 'C1/churn/1',
        reason_codes: ['order_gap', 'open_complaints'],
        reason_texts: ['gap', 'open'],
        reason_values: [40, null],
      },
    });
    expect(valid(rows)).toBe(true);
  });

  it('keeps the episode of a churn alert, and null on an alert written before episodes existed', () => {
    const escalated = rowsForChurnAlert(
      aChurnAlert({
        customerId: 'C1',
        sequence: 2,
        level: 'critical',
        eventTime: at,
        episodeId: 'C1/episode/3',
        episodeEvent: 'escalated',
      }),
    );
    expect(escalated[0]?.row).toMatchObject({ episode_id: 'C1/episode/3', episode_event: 'escalated' });
    const older = rowsForChurnAlert(
      aChurnAlert({ customerId: 'C1', sequence: 1, level: 'watch', eventTime: at, episodeId: null, episodeEvent: null }),
    );
    expect(older[0]?.row).toMatchObject({ episode_id: null, episode_event: null });
    expect(valid([...escalated, ...older])).toBe(true);
    const unknownEvent = { ...escalated[0]!.row, episode_event: 'reopened' };
    expect(tableRowSchemas.churn_alerts?.safeParse(unknownEvent).success).toBe(false);
  });

  it('maps feature snapshots and rules versions', () => {
    const snapshot = rowsForFeatureSnapshot(
      aFeatureSnapshot({ customerId: 'C1', eventTime: at, features: { lifetimeValue: 5 }, segments: { value_tier: 'low' } }),
    );
    expect(snapshot[0]).toMatchObject({
      table: 'feature_snapshots',
      row: { snapshot_id: `C1/${at}`, features: { lifetimeValue: 5 }, segments: { value_tier: 'low' } },
    });
    const rules = rowsForRulesVersion({ version: 'abc', content: '{}', appliedAt: at, appliedBy: 'ops@example', note: 'tiers calibrated' });
    expect(rules).toEqual([
      {
        table: 'rules_versions',
        row: { version: 'abc', content: '{}', applied_at: '2026-03-01 02:00:00.123', applied_by: 'ops@example', note: 'tiers calibrated' },
      },
    ]);
    expect(valid([...snapshot, ...rules])).toBe(true);
  });
});

describe('insertRows', () => {
  const orderRow = () => rowsForCustomerEvent(anOrderEvent({ customerId: 'C1', eventId: 'e', eventTime: at }), position)[0]!.row;

  it('inserts valid rows as JSONEachRow in one insert', async () => {
    const { client, inserts } = aRecordingClient();
    await insertRows(client, 'orders', [orderRow(), orderRow()]);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toMatchObject({ table: 'orders', format: 'JSONEachRow' });
    expect(inserts[0]?.values).toHaveLength(2);
  });

  it('refuses the whole batch naming the table, the row and the field, and inserts nothing', async () => {
    const { client, inserts } = aRecordingClient();
    const bad = { ...orderRow(), amount_base: 1e15 };
    const err = await insertRows(client, 'orders', [orderRow(), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRowError);
    expect(err).toMatchObject({ table: 'orders', field: 'amount_base', rowIndex: 1 });
    expect((err as Error).message).toMatch(/orders.*row 1.*amount_base/);
    expect(inserts).toEqual([]);
  });

  it('names the field of an invalid time, a missing column and an unknown one', async () => {
    const { client } = aRecordingClient();
    const badTime = rowsForCustomerEvent(anOrderEvent({ customerId: 'C1', eventId: 'e', eventTime: Number.NaN }), position)[0]!.row;
    await expect(insertRows(client, 'orders', [badTime])).rejects.toMatchObject({ field: 'event_time' });
    const missing = orderRow();
    delete missing.order_id;
    await expect(insertRows(client, 'orders', [missing])).rejects.toMatchObject({ field: 'order_id' });
    await expect(insertRows(client, 'orders', [{ ...orderRow(), ordr_id: 'typo' }])).rejects.toMatchObject({ field: 'ordr_id' });
    const change = rowsForSegmentChange(
      aSegmentChange({ customerId: 'C1', sequence: 0, fromSegment: null, toSegment: 'low', eventTime: at }),
    )[0]!.row;
    await expect(insertRows(client, 'segment_changes', [change])).rejects.toMatchObject({ table: 'segment_changes', field: 'sequence' });
  });

  it('refuses a snapshot whose maps hold what their columns cannot, naming the map and the key', async () => {
    const { client } = aRecordingClient();
    const snapshot = (s: Partial<Parameters<typeof aFeatureSnapshot>[0]>) =>
      rowsForFeatureSnapshot(aFeatureSnapshot({ customerId: 'C1', eventTime: at, ...s }))[0]!.row;
    await insertRows(client, 'feature_snapshots', [snapshot({ features: { a: 1.5, b: -2 }, attributes: { industry: '制造业' } })]);
    for (const [field, bad] of [
      ['features.b', snapshot({ features: { a: 1, b: Number.NaN } })],
      ['features.a', snapshot({ features: { a: Infinity } })],
      ['features.a', snapshot({ features: { a: '1' as unknown as number } })],
      ['attributes.industry', snapshot({ attributes: { industry: null as unknown as string } })],
      ['segments', snapshot({ segments: [] as unknown as Record<string, string> })],
    ] as const)
      await expect(insertRows(client, 'feature_snapshots', [bad])).rejects.toMatchObject({ table: 'feature_snapshots', field });
  });

  it('refuses a table it has no schema for, and does nothing for no rows', async () => {
    const { client, inserts } = aRecordingClient();
    await expect(insertRows(client, 'ordres', [orderRow()])).rejects.toThrow(/no row schema for ClickHouse table ordres/);
    await insertRows(client, 'orders', []);
    expect(inserts).toEqual([]);
  });
});

describe('rowsForAlertWorkflowEvent', () => {
  it('maps every kind of record to a valid row of alert_workflow_events', () => {
    for (const kind of ['acknowledged', 'assigned', 'action_taken', 'closed_with_outcome'] as const) {
      const rows = rowsForAlertWorkflowEvent(anAlertWorkflowEvent({ episodeId: 'C1/episode/1', at, kind }));
      expect(valid(rows), kind).toBe(true);
    }
    const action = rowsForAlertWorkflowEvent(
      anAlertWorkflowEvent({ episodeId: 'C1/episode/1', at, kind: 'action_taken', actionAt: at - 3_600_000 }),
    )[0]!;
    expect(action).toMatchObject({
      table: 'alert_workflow_events',
      row: {
        customer_id: 'C1',
        episode_id: 'C1/episode/1',
        at: '2026-03-01 02:00:00.123',
        action_at: '2026-03-01 01:00:00.123',
        recommended: true,
      },
    });
  });

  it('refuses an outcome the business does not know', () => {
    const rows = rowsForAlertWorkflowEvent({
      ...anAlertWorkflowEvent({ episodeId: 'C1/episode/1', at, kind: 'closed_with_outcome' }),
      outcome: 'happy' as never,
    });
    expect(valid(rows)).toBe(false);
  });
});
