import { createHash } from 'node:crypto';
import type { AlertOutcome, AlertWorkflowEvent } from '@segmentation/contracts';

// The work on a churn alert episode (流失预警 → 流失挽回), as a small state machine over the
// episode's `alert-workflow` records: 待处理 new → 已确认 acknowledged → 处理中 acting (an action
// recorded) → 已结案 closed with an outcome. Assignment to an account manager can happen at any point
// before the close. Pure: the console decides a request against the state folded from the records it
// has, and the same fold reads the log afterwards, so two consoles that raced each other end in the
// state the log's order gives (the first close wins; what came after it is ignored, and counted).

export type WorkflowStage = 'new' | 'acknowledged' | 'acting' | 'closed';

export interface WorkflowState {
  stage: WorkflowStage;
  acknowledged: { by: string; at: number } | null;
  /** The latest assignment, or null: then the customer's profile account manager, where known, works it. */
  assigned: { assignee: string; by: string; at: number } | null;
  assignments: number;
  actions: Array<{ workflowId: string; action: string; recommended: boolean; actionAt: number; by: string; note: string }>;
  closed: { outcome: AlertOutcome; by: string; at: number; note: string } | null;
  /** Every record applied, by id: a retried request is recognised by its id. */
  applied: Map<string, AlertWorkflowEvent>;
  /** Records the log holds that were not valid where they stand (a race between two consoles). */
  ignored: number;
}

/** What a person asks for; `by` and `at` come from the console. */
export type WorkflowCommand =
  | { kind: 'acknowledge' }
  | { kind: 'assign'; assignee: string }
  | { kind: 'record_action'; action: string; actionAt: number; note: string; requestId: string }
  | { kind: 'close'; outcome: AlertOutcome; note: string };

export interface EpisodeFacts {
  episodeId: string;
  customerId: string;
  /** The actions the episode's alerts recommended (distinct, latest first). */
  recommendedActions: string[];
}

export type Decision =
  | { result: 'recorded'; event: AlertWorkflowEvent }
  /** The same request was recorded before: nothing new is written. */
  | { result: 'replayed'; event: AlertWorkflowEvent }
  /** Not valid in the episode's state: the message says why and what to do. */
  | { result: 'conflict'; message: string };

export const emptyWorkflow = (): WorkflowState => ({
  stage: 'new',
  acknowledged: null,
  assigned: null,
  assignments: 0,
  actions: [],
  closed: null,
  applied: new Map(),
  ignored: 0,
});

/** The customer of an episode id (`customerId/episode/n`; customer ids may hold slashes themselves). */
export function customerOfEpisode(episodeId: string): string | undefined {
  const m = /^(.+)\/episode\/\d+$/.exec(episodeId);
  return m?.[1];
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 16);

/**
 * Record ids, derived from the request: an episode is acknowledged and closed once, its n-th
 * assignment is `assigned/n`, and an action is named by who recorded it and the request id their
 * page made for it, so a retry of any of them carries the id of the record it repeats.
 */
export const workflowIds = {
  acknowledged: (episodeId: string) => `${episodeId}/acknowledged`,
  assigned: (episodeId: string, n: number) => `${episodeId}/assigned/${n}`,
  action: (episodeId: string, by: string, requestId: string) => `${episodeId}/action/${digest(by, requestId)}`,
  closed: (episodeId: string) => `${episodeId}/closed`,
};

/** Applies one record; a record not valid where it stands changes nothing but the `ignored` count. */
export function applyWorkflowEvent(state: WorkflowState, e: AlertWorkflowEvent): WorkflowState {
  if (state.applied.has(e.workflowId)) return state; // a redelivery
  const valid = validAt(state, e);
  if (!valid) return { ...state, ignored: state.ignored + 1 };
  const applied = new Map(state.applied).set(e.workflowId, e);
  switch (e.kind) {
    case 'acknowledged':
      return { ...state, applied, stage: 'acknowledged', acknowledged: { by: e.by, at: e.at } };
    case 'assigned':
      return { ...state, applied, assignments: state.assignments + 1, assigned: { assignee: e.assignee ?? '', by: e.by, at: e.at } };
    case 'action_taken':
      return {
        ...state,
        applied,
        stage: 'acting',
        actions: [
          ...state.actions,
          {
            workflowId: e.workflowId,
            action: e.action ?? '',
            recommended: e.recommended ?? false,
            actionAt: e.actionAt ?? e.at,
            by: e.by,
            note: e.note,
          },
        ],
      };
    case 'closed_with_outcome':
      return { ...state, applied, stage: 'closed', closed: { outcome: e.outcome!, by: e.by, at: e.at, note: e.note } };
  }
}

function validAt(state: WorkflowState, e: AlertWorkflowEvent): boolean {
  if (state.stage === 'closed') return false;
  switch (e.kind) {
    case 'acknowledged':
      return state.stage === 'new';
    case 'assigned':
      return e.assignee !== null && e.assignee !== '';
    case 'action_taken':
      return state.stage !== 'new' && e.action !== null;
    case 'closed_with_outcome':
      return state.stage !== 'new' && e.outcome !== null;
    default:
      return false; // a kind this version does not know: kept in the log, not applied
  }
}

/** The state the records give, in the order given (the log's, or their times from ClickHouse). */
export const foldWorkflow = (events: readonly AlertWorkflowEvent[]): WorkflowState => events.reduce(applyWorkflowEvent, emptyWorkflow());

const closedMessage = (s: WorkflowState) =>
  `the episode was closed with the outcome ${s.closed!.outcome} by ${s.closed!.by} at ${new Date(s.closed!.at).toISOString()}: nothing more can be recorded on it`;

/**
 * Decides a person's request against the episode's workflow state: the record to write, the record
 * a retry repeats, or a conflict (HTTP 409) with a message that says why.
 */
export function decideWorkflow(state: WorkflowState, episode: EpisodeFacts, command: WorkflowCommand, by: string, at: number): Decision {
  const base = {
    episodeId: episode.episodeId,
    customerId: episode.customerId,
    by,
    at,
    assignee: null,
    action: null,
    recommended: null,
    actionAt: null,
    outcome: null,
    note: '',
  };
  const recorded = (event: AlertWorkflowEvent): Decision => ({ result: 'recorded', event });
  switch (command.kind) {
    case 'acknowledge': {
      const previous = state.applied.get(workflowIds.acknowledged(episode.episodeId));
      if (previous) {
        return previous.by === by
          ? { result: 'replayed', event: previous }
          : {
              result: 'conflict',
              message: `the episode was already acknowledged by ${previous.by} at ${new Date(previous.at).toISOString()}`,
            };
      }
      if (state.stage === 'closed') return { result: 'conflict', message: closedMessage(state) };
      return recorded({ ...base, workflowId: workflowIds.acknowledged(episode.episodeId), kind: 'acknowledged' });
    }
    case 'assign': {
      // Assigning to whoever has it already repeats that assignment (a retry, or a second click).
      const latest = state.assignments > 0 ? state.applied.get(workflowIds.assigned(episode.episodeId, state.assignments)) : undefined;
      if (latest?.assignee === command.assignee) return { result: 'replayed', event: latest };
      if (state.stage === 'closed') return { result: 'conflict', message: closedMessage(state) };
      return recorded({
        ...base,
        workflowId: workflowIds.assigned(episode.episodeId, state.assignments + 1),
        kind: 'assigned',
        assignee: command.assignee,
      });
    }
    case 'record_action': {
      const workflowId = workflowIds.action(episode.episodeId, by, command.requestId);
      const previous = state.applied.get(workflowId);
      if (previous) {
        return previous.action === command.action && previous.note === command.note
          ? { result: 'replayed', event: previous }
          : {
              result: 'conflict',
              message: `requestId ${command.requestId} was already used for another action on this episode: send a new requestId for a new action`,
            };
      }
      if (state.stage === 'closed') return { result: 'conflict', message: closedMessage(state) };
      if (state.stage === 'new')
        return { result: 'conflict', message: 'the episode has not been acknowledged yet: acknowledge it before recording an action' };
      if (command.actionAt > at)
        return { result: 'conflict', message: 'takenAt is in the future: record an action once it has been taken' };
      return recorded({
        ...base,
        workflowId,
        kind: 'action_taken',
        action: command.action,
        note: command.note,
        actionAt: command.actionAt,
        recommended: episode.recommendedActions.includes(command.action),
      });
    }
    case 'close': {
      const previous = state.applied.get(workflowIds.closed(episode.episodeId));
      if (previous) {
        return previous.by === by && previous.outcome === command.outcome
          ? { result: 'replayed', event: previous }
          : { result: 'conflict', message: closedMessage(state) };
      }
      if (state.stage === 'new')
        return {
          result: 'conflict',
          message: 'the episode has not been acknowledged yet: acknowledge it before closing it with an outcome',
        };
      return recorded({
        ...base,
        workflowId: workflowIds.closed(episode.episodeId),
        kind: 'closed_with_outcome',
        outcome: command.outcome,
        note: command.note,
      });
    }
  }
}

/** The workflow state as the API shows it. `assignee` falls back to the profile's account manager. */
export function workflowView(state: WorkflowState, profileAccountManager: string | null) {
  return {
    stage: state.stage,
    acknowledged: state.acknowledged,
    assignee: state.assigned?.assignee ?? profileAccountManager,
    assigneeSource: state.assigned ? 'assigned' : profileAccountManager !== null ? 'profile' : null,
    assigned: state.assigned,
    actions: state.actions,
    closed: state.closed,
  };
}

export type WorkflowView = ReturnType<typeof workflowView>;
