import type { CustomerEvent, SourceContract, ValidationContext } from '@segmentation/contracts';
import type { ImportKind } from './columns.ts';
import { contractSchemas } from './contract-schemas.ts';
import { deriveEventId } from './event-id.ts';
import { describeProblems, type RowProblem } from './mapping.ts';
import type { RejectReason } from './reject-reason.ts';

// A converted row through the same `normalise` as ingest. Ingest stops at a record's first
// problem (one reason per dead letter is enough there); an operator fixing an export needs every
// problem of a row at once, or each re-run uncovers the next one. So when a row fails, the
// contract's schema is asked for all its issues, beside the cells that could not be converted.

export type RowOutcome = { ok: true; event: CustomerEvent } | { ok: false; reason: RejectReason; message: string; problems: RowProblem[] };

/** `record` holds converted values; `problems` what conversion, carry-forward and defaults could not give. */
export function validateRecord(
  kind: ImportKind,
  record: Record<string, unknown>,
  problems: RowProblem[],
  contract: SourceContract,
  ctx: ValidationContext,
): RowOutcome {
  if (record.eventId === null || record.eventId === undefined) record.eventId = deriveEventId(kind, record);
  let single: RowProblem | undefined;
  if (problems.length === 0) {
    // The key ingest would see is the customer id the source system keyed the message by.
    const result = contract.normalise(record, record.customerId as string, null, ctx);
    if (result.ok) return { ok: true, event: result.value };
    single = { field: fieldOf(kind, result.reason, result.message), reason: result.reason, message: result.message };
    if (result.reason !== 'invalid_value') return rejected([single]);
  }
  const failed = new Set(problems.map((p) => p.field));
  const issues = contractSchemas[kind].safeParse(record);
  const all = [...problems];
  if (!issues.success) {
    for (const issue of issues.error.issues) {
      const field = String(issue.path[0] ?? '');
      // A field that could not be converted is absent from the record: its problem is already said.
      if (failed.has(field)) continue;
      all.push({ field, reason: 'invalid_value', message: `${issue.path.join('.') || '?'}: ${issue.message}` });
    }
  }
  // The schema is content, the contract refused the row on a rule across fields (a delivery
  // without its time): that rule's message is the problem.
  if (all.length === 0 && single !== undefined) all.push(single);
  return rejected(all);
}

function rejected(problems: RowProblem[]): RowOutcome {
  return { ok: false, reason: problems[0]!.reason, message: describeProblems(problems), problems };
}

/** The field a contract message is about: it names it first ("amount: …", "eventTime 2099-… is …"), or its reason implies it. */
function fieldOf(kind: ImportKind, reason: RejectReason, message: string): string {
  const named = /^(\w+)[:\s]/.exec(message)?.[1];
  if (named !== undefined && named in contractSchemas[kind].shape) return named;
  return reason === 'unknown_currency' ? 'currency' : reason === 'future_event_time' ? 'eventTime' : '';
}
