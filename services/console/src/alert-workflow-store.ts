import { ALERT_WORKFLOW_COLUMNS, alertWorkflowEventOf, type AlertWorkflowReadRow, type ClickHouseClient } from '@segmentation/clickhouse';
import { avroSchemas, valueSubject, type AlertWorkflowEvent } from '@segmentation/contracts';
import type { AvroCodec, ReliableProducer } from '@segmentation/kafka';
import type { ErasureList } from '@segmentation/erasure';
import {
  customerOfEpisode,
  decideWorkflow,
  foldWorkflow,
  workflowView,
  type Decision,
  type EpisodeFacts,
  type WorkflowCommand,
  type WorkflowView,
} from './alert-workflow.ts';
import { ALERT_COLUMNS, alertView, rows, type AlertRow, type AlertView } from './history-queries.ts';

// Where the console keeps the work on alert episodes: it writes each record to the alert-workflow
// topic (the truth, which the sink stores in ClickHouse) and reads an episode's records back from
// ClickHouse. ClickHouse trails the topic by the sink's flush interval, so the records this process
// wrote are also kept here until ClickHouse has them: a person who acknowledges and at once records
// an action is judged on both. Requests on one episode are decided one at a time per process; two
// consoles deciding the same episode in the same second can both write, and the fold of the log
// keeps the first (alert-workflow.ts).

/** Episodes whose recent records this process keeps besides ClickHouse's; the oldest go first. */
const RECENT_EPISODES = 10_000;
/** An episode's alert messages read at most (its timeline and its recommended actions). */
const EPISODE_MESSAGES = 200;

export interface EpisodeWorkflow {
  episode: EpisodeFacts;
  /** The episode's alert messages, newest first. */
  messages: AlertView[];
  /** Its workflow records, in the order they apply. */
  records: AlertWorkflowEvent[];
  /** The account manager of the customer's latest profile, where known. */
  accountManager: string | null;
  workflow: WorkflowView;
}

export interface WorkflowOutcome {
  decision: Decision;
  after: EpisodeWorkflow;
}

export class WorkflowUnavailableError extends Error {
  override name = 'WorkflowUnavailableError';
}

const MESSAGES_SQL = `
  SELECT ${ALERT_COLUMNS}
  FROM churn_alerts FINAL
  WHERE customer_id = {customerId:String} AND episode_id = {episodeId:String}
  ORDER BY sequence DESC
  LIMIT {limit:UInt32}`;

const RECORDS_SQL = `
  SELECT ${ALERT_WORKFLOW_COLUMNS}
  FROM alert_workflow_events FINAL
  WHERE customer_id = {customerId:String} AND episode_id = {episodeId:String}
  ORDER BY at, workflow_id`;

// The account manager of the customer's latest profile: who works an episode nobody assigned.
const ACCOUNT_MANAGER_SQL = `
  SELECT argMax(account_manager, (event_time, event_id)) AS account_manager
  FROM customer_profiles FINAL
  WHERE customer_id = {customerId:String}`;

export interface WorkflowStoreDeps {
  clickhouse: ClickHouseClient;
  producer: ReliableProducer;
  codec: AvroCodec;
  erasures?: ErasureList;
  now?: () => number;
  /** How long Kafka may take to acknowledge a record before the person is answered 503. */
  writeTimeoutMs?: number;
}

export function alertWorkflowStore(deps: WorkflowStoreDeps, topic: string) {
  const now = deps.now ?? Date.now;
  const recent = new Map<string, AlertWorkflowEvent[]>();
  const queue = new Map<string, Promise<unknown>>();
  let schemaId: Promise<number> | undefined;

  /** The episode, its alert messages and its workflow; undefined when no alert of it is stored (or its customer was erased). */
  async function read(episodeId: string): Promise<EpisodeWorkflow | undefined> {
    const customerId = customerOfEpisode(episodeId);
    if (customerId === undefined || deps.erasures?.has(customerId)) return undefined;
    const params = { customerId, episodeId, limit: EPISODE_MESSAGES };
    const [messageRows, recordRows, [manager]] = await Promise.all([
      rows<AlertRow>(deps.clickhouse, MESSAGES_SQL, params),
      rows<AlertWorkflowReadRow>(deps.clickhouse, RECORDS_SQL, params),
      rows<{ account_manager: string | null }>(deps.clickhouse, ACCOUNT_MANAGER_SQL, params),
    ]);
    if (messageRows.length === 0) return undefined;
    const messages = messageRows.map(alertView);
    const stored = recordRows.map(alertWorkflowEventOf);
    const storedIds = new Set(stored.map((r) => r.workflowId));
    const pending = (recent.get(episodeId) ?? []).filter((r) => !storedIds.has(r.workflowId));
    if (pending.length === 0) recent.delete(episodeId); // ClickHouse has caught up
    const records = [...stored, ...pending].sort(
      (a, b) => a.at - b.at || (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0),
    );
    const recommendedActions = [...new Set(messages.map((m) => m.action.trim()).filter((a) => a !== ''))];
    const episode = { episodeId, customerId, recommendedActions };
    const accountManager = manager?.account_manager ?? null;
    return { episode, messages, records, accountManager, workflow: workflowView(foldWorkflow(records), accountManager) };
  }

  async function write(event: AlertWorkflowEvent): Promise<void> {
    schemaId ??= deps.codec.register(valueSubject(topic), avroSchemas.alertWorkflow);
    const id = await schemaId.catch((err: unknown) => {
      schemaId = undefined; // a registry that was away is asked again next time
      throw err;
    });
    await withTimeout(
      deps.producer.send(topic, [{ key: event.customerId, value: deps.codec.encode(id, avroSchemas.alertWorkflow, event) }]),
      deps.writeTimeoutMs ?? 10_000,
    );
    if (!recent.has(event.episodeId) && recent.size >= RECENT_EPISODES) recent.delete(recent.keys().next().value!);
    recent.set(event.episodeId, [...(recent.get(event.episodeId) ?? []), event]);
  }

  /** Requests on one episode run one after another in this process. */
  function serialised<T>(episodeId: string, work: () => Promise<T>): Promise<T> {
    const previous = queue.get(episodeId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    queue.set(episodeId, settled);
    void settled.then(() => {
      if (queue.get(episodeId) === settled) queue.delete(episodeId);
    });
    return next;
  }

  return {
    read,
    /**
     * Decides a person's request on the episode and writes the record it makes. `beforeWrite` runs
     * between the decision and the write (the audit trail: nothing is changed that it cannot record).
     * Undefined when the episode is not known.
     */
    submit(
      episodeId: string,
      command: WorkflowCommand | ((current: EpisodeWorkflow) => WorkflowCommand),
      by: string,
      beforeWrite: (e: AlertWorkflowEvent) => Promise<void>,
    ): Promise<WorkflowOutcome | undefined> {
      return serialised(episodeId, async () => {
        const current = await read(episodeId);
        if (current === undefined) return undefined;
        const wanted = typeof command === 'function' ? command(current) : command;
        const decision = decideWorkflow(foldWorkflow(current.records), current.episode, wanted, by, now());
        if (decision.result !== 'recorded') return { decision, after: current };
        await beforeWrite(decision.event);
        await write(decision.event);
        const records = [...current.records, decision.event];
        return { decision, after: { ...current, records, workflow: workflowView(foldWorkflow(records), current.accountManager) } };
      });
    },
  };
}

export type AlertWorkflowStore = ReturnType<typeof alertWorkflowStore>;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkflowUnavailableError(`Kafka did not acknowledge the alert workflow record within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
