import { describe, expect, it } from 'vitest';
import type { AlertWorkflowEvent } from '@segmentation/contracts';
import {
  customerOfEpisode,
  decideWorkflow,
  emptyWorkflow,
  foldWorkflow,
  workflowIds,
  workflowView,
  type Decision,
  type EpisodeFacts,
  type WorkflowCommand,
  type WorkflowState,
} from './alert-workflow.ts';

const episode: EpisodeFacts = {
  episodeId: 'C-1/episode/2',
  customerId: 'C-1',
  recommendedActions: ['account manager call', 'service recovery call'],
};
const T = Date.UTC(2026, 11, 7, 6);

/** Decides the commands one after another, as the console would, and returns the records and the last decision. */
function work(commands: Array<[WorkflowCommand, string]>, start: WorkflowState = emptyWorkflow()) {
  let state = start;
  const written: AlertWorkflowEvent[] = [];
  let last: Decision | undefined;
  commands.forEach(([command, by], i) => {
    last = decideWorkflow(state, episode, command, by, T + i * 60_000);
    if (last.result === 'recorded') {
      written.push(last.event);
      state = foldWorkflow(written);
    }
  });
  return { state, written, last: last! };
}

const ack: WorkflowCommand = { kind: 'acknowledge' };
const call = (requestId = 'r-1', note = 'called the buyer'): WorkflowCommand => ({
  kind: 'record_action',
  action: 'account manager call',
  actionAt: T,
  note,
  requestId,
});
const close: WorkflowCommand = { kind: 'close', outcome: 'retained', note: 'ordered again' };

describe('the alert workflow', () => {
  it('goes from new through acknowledged and acting to closed, with the records it needs', () => {
    const { state, written } = work([
      [ack, 'zhang'],
      [{ kind: 'assign', assignee: 'am.li' }, 'zhang'],
      [call(), 'am.li'],
      [close, 'am.li'],
    ]);
    expect(written.map((e) => [e.kind, e.workflowId])).toEqual([
      ['acknowledged', 'C-1/episode/2/acknowledged'],
      ['assigned', 'C-1/episode/2/assigned/1'],
      ['action_taken', workflowIds.action('C-1/episode/2', 'am.li', 'r-1')],
      ['closed_with_outcome', 'C-1/episode/2/closed'],
    ]);
    expect(written.every((e) => e.customerId === 'C-1' && e.episodeId === 'C-1/episode/2')).toBe(true);
    expect(state.stage).toBe('closed');
    expect(state.closed).toEqual({ outcome: 'retained', by: 'am.li', at: T + 3 * 60_000, note: 'ordered again' });
    expect(state.actions).toEqual([expect.objectContaining({ action: 'account manager call', recommended: true, actionAt: T })]);
  });

  it("marks an action that none of the episode's alerts recommended", () => {
    const { written } = work([
      [ack, 'zhang'],
      [{ kind: 'record_action', action: 'visit with the regional director', actionAt: T, note: '', requestId: 'r-9' }, 'zhang'],
    ]);
    expect(written[1]).toMatchObject({ kind: 'action_taken', recommended: false, action: 'visit with the regional director' });
  });

  it('refuses any step on a closed episode, naming the outcome and who closed it', () => {
    const closed = work([
      [ack, 'zhang'],
      [close, 'zhang'],
    ]).state;
    for (const command of [
      call('r-2'),
      { kind: 'assign', assignee: 'am.wu' } as const,
      { kind: 'close', outcome: 'lost', note: '' } as const,
    ]) {
      const d = decideWorkflow(closed, episode, command, 'zhang', T + 600_000);
      expect(d, command.kind).toEqual({
        result: 'conflict',
        message: expect.stringContaining('closed with the outcome retained by zhang') as unknown,
      });
    }
    expect(decideWorkflow(closed, episode, ack, 'wu', T)).toMatchObject({
      result: 'conflict',
      message: expect.stringContaining('already acknowledged by zhang') as unknown,
    });
  });

  it('asks for an acknowledgement before an action or a close', () => {
    for (const command of [call(), close]) {
      expect(decideWorkflow(emptyWorkflow(), episode, command, 'zhang', T)).toMatchObject({
        result: 'conflict',
        message: expect.stringContaining('acknowledge it before') as unknown,
      });
    }
  });

  it('refuses an action said to be taken in the future', () => {
    const acked = work([[ack, 'zhang']]).state;
    expect(decideWorkflow(acked, episode, { ...call(), actionAt: T + 3_600_000 } as WorkflowCommand, 'zhang', T)).toMatchObject({
      result: 'conflict',
    });
  });

  it('recognises a retried request and writes nothing new for it', () => {
    const { state } = work([
      [ack, 'zhang'],
      [{ kind: 'assign', assignee: 'am.li' }, 'zhang'],
      [call(), 'zhang'],
      [close, 'zhang'],
    ]);
    expect(decideWorkflow(state, episode, ack, 'zhang', T + 1)).toMatchObject({
      result: 'replayed',
      event: { workflowId: 'C-1/episode/2/acknowledged' },
    });
    expect(decideWorkflow(state, episode, { kind: 'assign', assignee: 'am.li' }, 'zhang', T + 1)).toMatchObject({
      result: 'replayed',
      event: { workflowId: 'C-1/episode/2/assigned/1' },
    });
    expect(decideWorkflow(state, episode, call(), 'zhang', T + 1)).toMatchObject({ result: 'replayed' });
    expect(decideWorkflow(state, episode, close, 'zhang', T + 1)).toMatchObject({
      result: 'replayed',
      event: { workflowId: 'C-1/episode/2/closed' },
    });
  });

  it('tells a reused request id with other content from a retry', () => {
    const acted = work([
      [ack, 'zhang'],
      [call('r-1'), 'zhang'],
    ]).state;
    expect(decideWorkflow(acted, episode, call('r-1', 'a different note'), 'zhang', T + 1)).toMatchObject({
      result: 'conflict',
      message: expect.stringContaining('requestId r-1') as unknown,
    });
    // Another person's request with the same id is another action.
    expect(decideWorkflow(acted, episode, call('r-1'), 'wu', T + 1)).toMatchObject({ result: 'recorded' });
  });

  it('numbers re-assignments and treats the same assignee again as the same assignment', () => {
    const { written, last } = work([
      [{ kind: 'assign', assignee: 'am.li' }, 'zhang'],
      [{ kind: 'assign', assignee: 'am.wu' }, 'zhang'],
      [{ kind: 'assign', assignee: 'am.wu' }, 'zhang'],
    ]);
    expect(written.map((e) => [e.workflowId, e.assignee])).toEqual([
      ['C-1/episode/2/assigned/1', 'am.li'],
      ['C-1/episode/2/assigned/2', 'am.wu'],
    ]);
    expect(last.result).toBe('replayed');
  });

  it('folds a log where two consoles raced: the first close wins, what follows it is ignored and counted', () => {
    const { written } = work([
      [ack, 'zhang'],
      [close, 'zhang'],
    ]);
    const late = decideWorkflow(foldWorkflow(written.slice(0, 1)), episode, call('r-7'), 'wu', T + 120_000);
    const secondClose = { ...written[1]!, by: 'wu', outcome: 'lost' as const, workflowId: 'C-1/episode/2/closed' };
    if (late.result !== 'recorded') throw new Error('expected a record');
    const state = foldWorkflow([...written, late.event, secondClose, written[1]!]);
    expect(state.closed?.outcome).toBe('retained');
    expect(state.actions).toEqual([]);
    expect(state.ignored).toBe(1); // the action after the close; the second close has the first's id: a redelivery
  });

  it("shows the profile's account manager as the assignee until someone assigns the episode", () => {
    expect(workflowView(emptyWorkflow(), 'am.chen')).toMatchObject({ stage: 'new', assignee: 'am.chen', assigneeSource: 'profile' });
    expect(workflowView(emptyWorkflow(), null)).toMatchObject({ assignee: null, assigneeSource: null });
    expect(workflowView(work([[{ kind: 'assign', assignee: 'am.li' }, 'zhang']]).state, 'am.chen')).toMatchObject({
      assignee: 'am.li',
      assigneeSource: 'assigned',
    });
  });

  it('reads the customer of an episode id, slashes in the customer id included', () => {
    expect(customerOfEpisode('C-1/episode/2')).toBe('C-1');
    expect(customerOfEpisode('SH/C-1/episode/12')).toBe('SH/C-1');
    expect(customerOfEpisode('C-1/churn/2')).toBeUndefined();
  });
});
