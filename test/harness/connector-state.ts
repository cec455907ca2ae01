import { connectorStatuses } from '@segmentation/kafka';
import type { PostgresServerHandle } from './postgres-server.ts';

/**
 * Whether Kafka Connect runs the connector and its first task; a failed task is thrown with the
 * first line of its trace (waiting on would only time out without saying why).
 */
export async function connectorRunning(connectUrl: string, name: string): Promise<boolean> {
  const status = (await connectorStatuses(connectUrl)).find((c) => c.name === name);
  const failed = status?.tasks.find((t) => t.state === 'FAILED');
  if (failed) throw new Error(`connector task failed: ${failed.trace?.split('\n')[0]}`);
  return status?.state === 'RUNNING' && status.tasks[0]?.state === 'RUNNING';
}

/** A PostgreSQL connector streams once it runs and its replication slot is active: what is committed from then on is captured. */
export async function postgresConnectorStreaming(
  connectUrl: string,
  name: string,
  db: Pick<PostgresServerHandle, 'sql'>,
  slot: string,
): Promise<boolean> {
  return (
    (await connectorRunning(connectUrl, name)) &&
    (await db.sql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}'`)) === 't'
  );
}
