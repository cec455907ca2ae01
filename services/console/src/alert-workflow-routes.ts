import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ALERT_OUTCOMES, type AlertOutcome, type AlertWorkflowEvent } from '@segmentation/contracts';
import type { AlertInbox } from './alert-inbox.ts';
import type { WorkflowCommand } from './alert-workflow.ts';
import type { AlertWorkflowStore, EpisodeWorkflow } from './alert-workflow-store.ts';
import { ApiError, parse } from './api-request.ts';
import { requiresRole } from './console-access.ts';

// The alert-workflow endpoints: operators (and admins) work churn alert episodes: acknowledge,
// assign to an account manager, record an action, close with an outcome; everyone signed in reads
// an episode's workflow and timeline. Episode ids hold slashes (`customerId/episode/n`): clients
// send them URL-encoded in the path (encodeURIComponent).

const filterValue = z.string().trim().min(1).max(128).optional();
const inboxQuery = z
  .object({
    assignee: filterValue,
    level: z.enum(['watch', 'warning', 'critical', 'cleared']).optional(),
    valueTier: filterValue,
    industry: filterValue,
    region: filterValue,
    // Days (7, 30: episodes left lying); at most ten years.
    openLongerThanDays: z.coerce.number().int().min(1).max(3650).optional(),
    state: z.enum(['open', 'new', 'acknowledged', 'acting', 'closed', 'all']).default('open'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const episodePath = z.object({ episodeId: z.string().min(1).max(300) }).strict();
const note = z.string().trim().max(1000).default('');
const bodies = {
  acknowledge: z.object({}).strict(),
  // No assignee: the account manager of the customer's profile.
  assign: z.object({ assignee: z.string().trim().min(1).max(64).optional() }).strict(),
  action: z
    .object({
      action: z.string().trim().min(1, 'must name the action taken').max(256),
      note,
      takenAt: z.iso.datetime({ offset: true }).optional(),
      // Made by the page once per action it records, sent again on a retry: the retry is recognised.
      requestId: z
        .string()
        .min(8)
        .max(64)
        .regex(/^[A-Za-z0-9._-]+$/, 'must be 8-64 letters, digits, ".", "_" or "-" (a UUID)'),
    })
    .strict(),
  close: z.object({ outcome: z.enum(ALERT_OUTCOMES as [AlertOutcome, ...AlertOutcome[]]), note }).strict(),
};

/** What each record is called in the audit trail. */
const AUDIT_ACTIONS: Record<AlertWorkflowEvent['kind'], string> = {
  acknowledged: 'alert_acknowledged',
  assigned: 'alert_assigned',
  action_taken: 'alert_action_recorded',
  closed_with_outcome: 'alert_closed',
};

type Audit = (req: FastifyRequest, action: string, customerIds: string[], detail?: string) => Promise<void>;

/** One episode as the API answers: its workflow and one timeline of alerts and work, newest first. */
export function episodeWorkflowView(w: EpisodeWorkflow) {
  const alerts = w.messages.map((m) => ({
    time: m.eventTime,
    kind: 'alert' as const,
    alertId: m.alertId,
    episodeEvent: m.episodeEvent,
    level: m.level,
    previousLevel: m.previousLevel,
    riskScore: m.riskScore,
    reasons: m.reasons,
    action: m.action,
  }));
  const work = w.records.map((r) => ({
    time: r.at,
    kind: r.kind,
    workflowId: r.workflowId,
    by: r.by,
    assignee: r.assignee,
    action: r.action,
    recommended: r.recommended,
    actionAt: r.actionAt,
    outcome: r.outcome,
    note: r.note,
  }));
  const latest = w.messages[0];
  return {
    episodeId: w.episode.episodeId,
    customerId: w.episode.customerId,
    level: latest?.level ?? null,
    valueTier: latest?.valueTier ?? null,
    alertState: latest?.episodeEvent === 'closed' ? 'closed' : 'open',
    recommendedActions: w.episode.recommendedActions,
    accountManager: w.accountManager,
    workflow: w.workflow,
    timeline: [...alerts, ...work].sort((a, b) => b.time - a.time),
  };
}

export function registerAlertWorkflowRoutes(app: FastifyInstance, store: AlertWorkflowStore, inbox: AlertInbox, audit: Audit): void {
  app.get('/api/inbox', async (req) => {
    const q = parse(inboxQuery, req.query, 'query');
    const [episodes, assignees] = await Promise.all([inbox.episodes(q), inbox.assignees()]);
    return { episodes, assignees };
  });

  const known = async (episodeId: string) => {
    const w = await store.read(episodeId);
    if (w === undefined)
      throw new ApiError(
        404,
        `no alert episode ${episodeId}: no alert of it is stored (send the id URL-encoded, as encodeURIComponent makes it)`,
      );
    return w;
  };

  app.get('/api/episodes/:episodeId', async (req) => {
    const { episodeId } = parse(episodePath, req.params, 'path');
    return episodeWorkflowView(await known(episodeId));
  });

  const submit = async (req: FastifyRequest, reply: FastifyReply, command: WorkflowCommand | ((w: EpisodeWorkflow) => WorkflowCommand)) => {
    const { episodeId } = parse(episodePath, req.params, 'path');
    const user = req.consoleUser!;
    const outcome = await store.submit(episodeId, command, user.name, (e) =>
      audit(req, AUDIT_ACTIONS[e.kind], [e.customerId], e.episodeId),
    );
    if (outcome === undefined) await known(episodeId); // throws the 404
    const { decision, after } = outcome!;
    const view = episodeWorkflowView(after);
    if (decision.result === 'conflict') return reply.code(409).send({ error: decision.message, workflow: view.workflow });
    return reply.code(decision.result === 'recorded' ? 201 : 200).send({ result: decision.result, record: decision.event, ...view });
  };
  const body = <S extends z.ZodType>(schema: S, req: FastifyRequest): z.output<S> => parse(schema, req.body ?? {}, 'body');
  const operator = requiresRole('operator');

  app.post('/api/episodes/:episodeId/acknowledge', operator, async (req, reply) => {
    body(bodies.acknowledge, req);
    return submit(req, reply, { kind: 'acknowledge' });
  });
  app.post('/api/episodes/:episodeId/assign', operator, async (req, reply) => {
    const { assignee } = body(bodies.assign, req);
    return submit(req, reply, (w) => {
      const to = assignee ?? w.accountManager;
      if (to === null)
        throw new ApiError(400, "body parameter assignee: the customer's profile names no account manager; name the person to assign");
      return { kind: 'assign', assignee: to };
    });
  });
  app.post('/api/episodes/:episodeId/actions', operator, async (req, reply) => {
    const b = body(bodies.action, req);
    return submit(req, reply, {
      kind: 'record_action',
      action: b.action,
      note: b.note,
      actionAt: b.takenAt === undefined ? Date.now() : Date.parse(b.takenAt),
      requestId: b.requestId,
    });
  });
  app.post('/api/episodes/:episodeId/close', operator, async (req, reply) => {
    const b = body(bodies.close, req);
    return submit(req, reply, { kind: 'close', outcome: b.outcome, note: b.note });
  });
}
