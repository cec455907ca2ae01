import { avroSchemas, valueSubject, type CustomerEvent, type RulesApplied, type RulesVersionRecord } from '@segmentation/contracts';
import { partitionCounts, type AvroCodec, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import { ensureRegistryTopic, readRulesHistory } from '@segmentation/readers';
import { ConfigError } from '@segmentation/runtime';
import { compileRules, type CompiledRules } from '@segmentation/segmentation';

// Rules are versioned data (DESIGN.md invariant 9). Two records make a version take effect:
//   1. one record in the `rules-versions` topic (the registry: every version applied, its content,
//      when and by whom, kept for good), written first, so every version in the log is in it;
//   2. a control record (`RulesApplied`, customer id empty) in every partition of `customer-events`:
//      the partition's owner switches rules there and re-evaluates that partition's customers, so
//      every instance, replay and rebuild switches at the same place of the log.
// A partition that has reached no control record yet runs the first version of the registry.

export interface RulesTopics {
  customerEvents: string;
  rulesVersions: string;
}

export interface RegistryDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
}

/** A publisher computed its rules from a version that is no longer in force. */
export class RulesInForceChanged extends ConfigError {
  constructor(readFrom: string, inForce: string | undefined) {
    super(
      `not published: these rules were computed from version ${readFrom}, but ${inForce ?? 'no version'} is in force now (someone published meanwhile); run the command again on the version in force`,
    );
  }
}

/**
 * Puts rules in force: the registry record, then a control record into every partition of
 * `customer-events`. Safe to repeat (a partition already running the version changes nothing there).
 * With `controlRecords: false` only the registry record is written: the first version, which
 * partitions run before any control record. A publisher that rewrote its own section of the version
 * in force (population thresholds, the churn fit) names that version in `basedOn`, and is refused
 * when another has been published since, so two publishers never undo each other (DESIGN.md invariant 9).
 */
export async function applyRulesVersion(
  deps: RegistryDeps,
  topics: RulesTopics,
  rules: CompiledRules,
  by: { appliedBy: string; note: string; appliedAt: number; basedOn?: string },
  controlRecords = true,
): Promise<RulesVersionRecord> {
  const record: RulesVersionRecord = {
    version: rules.version,
    content: rules.source,
    appliedAt: by.appliedAt,
    appliedBy: by.appliedBy,
    note: by.note,
  };
  if (by.basedOn !== undefined) {
    const inForce = (await readRulesHistory(deps, topics.rulesVersions)).at(-1)?.version;
    if (inForce !== by.basedOn) throw new RulesInForceChanged(by.basedOn, inForce);
  }
  await ensureRegistryTopic(deps.kafka, topics.rulesVersions);
  const registryId = await deps.codec.register(valueSubject(topics.rulesVersions), avroSchemas.rulesVersion);
  await deps.producer.send(topics.rulesVersions, [
    { key: record.version, value: deps.codec.encode(registryId, avroSchemas.rulesVersion, record) },
  ]);
  if (!controlRecords) return record;

  const eventsId = await deps.codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
  const control: CustomerEvent = {
    eventId: `rules-${record.version}-${record.appliedAt}`,
    customerId: '',
    eventTime: record.appliedAt,
    source: null,
    body: {
      'segmentation.log.RulesApplied': {
        version: record.version,
        content: record.content,
        appliedAt: record.appliedAt,
        appliedBy: record.appliedBy,
      },
    },
  };
  const value = deps.codec.encode(eventsId, avroSchemas.customerEvent, control);
  const partitions = await partitionCount(deps.kafka, topics.customerEvents);
  await deps.producer.send(
    topics.customerEvents,
    Array.from({ length: partitions }, (_, partition) => ({ key: null, partition, value })),
  );
  return record;
}

/**
 * The rules versions a segmenter may meet: those in the registry and those learnt from control
 * records. Compiled once each; a version found in neither is an error that names it.
 */
export class RulesBook {
  private readonly compiled = new Map<string, CompiledRules>();
  private readonly contents = new Map<string, string>();
  private firstVersion: string | null = null;
  private latestVersion: string | null = null;

  private readonly reload: () => Promise<RulesVersionRecord[]>;

  constructor(reload: () => Promise<RulesVersionRecord[]>) {
    this.reload = reload;
  }

  /** Reads the registry (again). */
  async refresh(): Promise<void> {
    const history = await this.reload();
    this.firstVersion = history[0]?.version ?? null;
    this.latestVersion = history.at(-1)?.version ?? null;
    for (const r of history) this.contents.set(r.version, r.content);
  }

  /** The version partitions run before their first control record. */
  get first(): string | null {
    return this.firstVersion;
  }

  /** The version applied last (as of the last refresh). */
  get latest(): string | null {
    return this.latestVersion;
  }

  /** The rules a partition runs: its last control record's version, or the registry's first. */
  async inForce(version: string | null): Promise<{ version: string; rules: CompiledRules }> {
    const wanted = version ?? this.firstVersion;
    if (wanted === null) throw new Error('no rules version has been applied yet (the rules-versions registry is empty)');
    if (!this.contents.has(wanted)) await this.refresh();
    const content = this.contents.get(wanted);
    if (content === undefined)
      throw new Error(`rules version ${wanted} is in force on a customer-events partition but is not in the rules-versions registry`);
    return { version: wanted, rules: this.compile(wanted, content) };
  }

  /** The rules a control record carries; throws a RulesError when its content does not validate. */
  learn(control: RulesApplied): CompiledRules {
    this.contents.set(control.version, control.content);
    return this.compile(control.version, control.content);
  }

  private compile(version: string, content: string): CompiledRules {
    let rules = this.compiled.get(version);
    if (!rules) {
      rules = compileRules(content, `rules version ${version}`);
      this.compiled.set(version, rules);
    }
    return rules;
  }
}

async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const count = (await partitionCounts(kafka, [topic])).get(topic) ?? 0;
  if (count === 0) throw new Error(`topic ${topic} has no partitions: provision the pipeline first`);
  return count;
}
