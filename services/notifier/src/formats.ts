import type { ChurnAlert, EpisodeEvent, SegmentChange } from '@segmentation/contracts';
import type { ReceiverConfig } from './config.ts';
import { dingTalkSignedUrl, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './signing.ts';

// What each kind of receiver is sent. Pure functions of the alert, the receiver and the clock, so
// every format is unit tested byte for byte; delivery.ts only moves the requests.

/** One thing to tell receivers about: a churn alert, or a segment change the config selected. */
export type Notification = { kind: 'churn_alert'; alert: ChurnAlert } | { kind: 'segment_change'; change: SegmentChange };

export const notificationId = (n: Notification): string => (n.kind === 'churn_alert' ? n.alert.alertId : n.change.changeId);
export const notificationCustomer = (n: Notification): string => (n.kind === 'churn_alert' ? n.alert.customerId : n.change.customerId);

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type AlertLabels = Record<string, string>;

/** Alertmanager only: the labels this receiver last saw firing for the customer (to resolve exactly those). */
export interface FormatContext {
  nowMs: number;
  firing?: AlertLabels;
  /** The console's address as receivers reach it (notifier file `consoleUrl`): messages link to the episode there. */
  consoleUrl?: string;
}

/**
 * Where an episode is worked in the console: its page opens the episode in the alert inbox. The id
 * holds slashes, so it travels encoded. Undefined without a console address or an episode.
 */
export function episodeUrl(consoleUrl: string | undefined, episodeId: string | null): string | undefined {
  if (consoleUrl === undefined || episodeId === null) return undefined;
  return `${consoleUrl.replace(/\/+$/, '')}/#/episode/${encodeURIComponent(episodeId)}`;
}

const linkOf = (n: Notification, consoleUrl: string | undefined) =>
  n.kind === 'churn_alert' ? episodeUrl(consoleUrl, n.alert.episodeId) : undefined;

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** The request for a receiver, or undefined when there is nothing to tell it (a clear of an alert it never saw fire). */
export function buildRequest(receiver: ReceiverConfig, n: Notification, ctx: FormatContext): OutgoingRequest | undefined {
  switch (receiver.type) {
    case 'webhook':
      return webhookRequest(receiver, n, ctx.nowMs, ctx.consoleUrl);
    case 'slack':
      return { url: receiver.url, headers: JSON_TYPE, body: JSON.stringify(slackMessage(n, ctx.consoleUrl)) };
    case 'dingtalk':
      return {
        url: receiver.secret === undefined ? receiver.url : dingTalkSignedUrl(receiver.url, receiver.secret, ctx.nowMs),
        headers: JSON_TYPE,
        body: JSON.stringify(dingTalkMessage(n, ctx.consoleUrl)),
      };
    case 'wecom':
      return { url: receiver.url, headers: JSON_TYPE, body: JSON.stringify(weComMessage(n, ctx.consoleUrl)) };
    case 'alertmanager': {
      const alerts = alertmanagerAlerts(n, ctx, receiver.holdHours);
      return alerts.length === 0
        ? undefined
        : { url: alertmanagerEndpoint(receiver.url), headers: JSON_TYPE, body: JSON.stringify(alerts) };
    }
  }
}

// --- generic JSON webhook ---------------------------------------------------------------------

/** The record as the topic carries it, plus `kind` (and `episodeUrl` with a console address); signed when the receiver has a secret. */
export function webhookRequest(
  receiver: Pick<ReceiverConfig, 'url' | 'secret'>,
  n: Notification,
  nowMs: number,
  consoleUrl?: string,
): OutgoingRequest {
  const link = linkOf(n, consoleUrl);
  const body = JSON.stringify(
    n.kind === 'churn_alert'
      ? { kind: n.kind, ...n.alert, ...(link === undefined ? {} : { episodeUrl: link }) }
      : { kind: n.kind, ...n.change },
  );
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = { ...JSON_TYPE, [ID_HEADER]: notificationId(n), [TIMESTAMP_HEADER]: String(timestamp) };
  if (receiver.secret !== undefined) headers[SIGNATURE_HEADER] = webhookSignature(receiver.secret, timestamp, body);
  return { url: receiver.url, headers, body };
}

// --- the words of a message, in both languages --------------------------------------------------

export const LEVEL_WORDS: Record<string, string> = {
  watch: '关注 watch',
  warning: '预警 warning',
  critical: '严重 critical',
  cleared: '解除 cleared',
};
const levelWord = (level: string | null) => (level === null ? '无 none' : (LEVEL_WORDS[level] ?? level));

/** What a message did to its alert episode (预警事件), in both languages. */
export const EPISODE_EVENT_WORDS: Record<EpisodeEvent, string> = {
  opened: '开启 opened',
  escalated: '升级 escalated',
  re_escalated: '再次升级 re-escalated',
  de_escalated: '降级 de-escalated',
  closed: '关闭 closed',
};

/** Every title keeps 流失预警: DingTalk robots secured by keyword only post messages that contain it. */
function churnAlertTitle(a: ChurnAlert): string {
  if (a.level === 'cleared') return '流失预警解除 Churn alert cleared';
  if (a.episodeEvent === 'escalated') return `流失预警升级 Churn alert escalated: ${levelWord(a.level)}`;
  return `流失预警 Churn alert: ${levelWord(a.level)}`;
}

/** Facts beyond the alert's own: its episode, and a rules change behind it (which may have moved many customers at once). */
function churnAlertContext(a: ChurnAlert): MessageText['facts'] {
  const facts: MessageText['facts'] = [];
  if (a.episodeId !== null)
    facts.push([
      '预警事件 Alert episode',
      a.episodeEvent === null ? a.episodeId : `${a.episodeId} (${EPISODE_EVENT_WORDS[a.episodeEvent]})`,
    ]);
  if (a.cause === 'rules_changed') facts.push(['触发 Cause', '规则变更 rules change']);
  return facts;
}

/** At most this many reasons in a chat message: the first ones are the most important. */
const MAX_REASONS = 8;

export interface MessageText {
  title: string;
  facts: Array<[label: string, value: string]>;
  reasonsLabel: string;
  reasons: string[];
  action: [label: string, value: string] | undefined;
}

export function messageText(n: Notification, consoleUrl?: string): MessageText {
  if (n.kind === 'churn_alert') {
    const a = n.alert;
    const link = linkOf(n, consoleUrl);
    return {
      title: churnAlertTitle(a),
      facts: [
        ['客户 Customer', a.customerId],
        ['风险分 Risk score', a.riskScore.toFixed(2)],
        ['级别 Level', a.previousLevel === null ? levelWord(a.level) : `${levelWord(a.previousLevel)} → ${levelWord(a.level)}`],
        ['价值层级 Value tier', a.valueTier ?? '未知 unknown'],
        ...churnAlertContext(a),
        ...(link === undefined ? [] : [['预警处理 Work it in the console', link] as [string, string]]),
      ],
      reasonsLabel: '原因 Reasons',
      reasons: a.reasons.slice(0, MAX_REASONS).map((r) => r.text),
      action: a.action.trim() === '' ? undefined : ['建议行动 Recommended action', a.action],
    };
  }
  const c = n.change;
  return {
    title: `客户分群变化 Segment change: ${c.dimension}`,
    facts: [
      ['客户 Customer', c.customerId],
      ['变化 Change', `${c.fromSegment ?? '无 none'} → ${c.toSegment}`],
      ['规则 Rule', c.rule],
    ],
    reasonsLabel: '原因 Reasons',
    reasons: c.reasons.slice(0, MAX_REASONS).map((r) => `${r.condition} (${r.feature} = ${r.value})`),
    action: c.strategy.trim() === '' ? undefined : ['服务策略 Strategy', c.strategy],
  };
}

/** Markdown as DingTalk and WeCom render it; `breakLine` differs (DingTalk needs a blank line). */
function markdown(m: MessageText, breakLine: string): string {
  const lines = [`### ${m.title}`, ...m.facts.map(([label, value]) => `**${label}**: ${value}`)];
  if (m.reasons.length > 0) lines.push(`**${m.reasonsLabel}**:${breakLine}${m.reasons.map((r) => `- ${r}`).join('\n')}`);
  if (m.action) lines.push(`**${m.action[0]}**: ${m.action[1]}`);
  return lines.join(breakLine);
}

// --- chat robots -------------------------------------------------------------------------------

/** Slack's mrkdwn treats &, < and > as control characters. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack-compatible incoming webhook (also Mattermost, Rocket.Chat): `text` is the notification fallback. */
export function slackMessage(n: Notification, consoleUrl?: string): { text: string; blocks: unknown[] } {
  const m = messageText(n, consoleUrl);
  const lines = m.facts.map(([label, value]) => `*${slackEscape(label)}*: ${slackEscape(value)}`);
  if (m.reasons.length > 0) lines.push(`*${m.reasonsLabel}*:\n${m.reasons.map((r) => `• ${slackEscape(r)}`).join('\n')}`);
  if (m.action) lines.push(`*${m.action[0]}*: ${slackEscape(m.action[1])}`);
  return {
    text: slackEscape(`${m.title} · ${notificationCustomer(n)}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: m.title } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}

/** A DingTalk custom robot (自定义机器人) markdown message. */
export function dingTalkMessage(n: Notification, consoleUrl?: string): { msgtype: 'markdown'; markdown: { title: string; text: string } } {
  const m = messageText(n, consoleUrl);
  return { msgtype: 'markdown', markdown: { title: m.title, text: markdown(m, '\n\n') } };
}

/** WeCom's group robot (群机器人) takes at most 4096 bytes of markdown. */
const WECOM_MAX_BYTES = 4096;

/** A WeCom (企业微信) group robot markdown message. */
export function weComMessage(n: Notification, consoleUrl?: string): { msgtype: 'markdown'; markdown: { content: string } } {
  let content = markdown(messageText(n, consoleUrl), '\n');
  while (Buffer.byteLength(content) > WECOM_MAX_BYTES) content = content.slice(0, content.length - 64) + '…';
  return { msgtype: 'markdown', markdown: { content } };
}

// --- Prometheus Alertmanager (API v2) ----------------------------------------------------------

export interface PostableAlert {
  labels: AlertLabels;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

export const alertmanagerEndpoint = (base: string): string => `${base.replace(/\/+$/, '')}/api/v2/alerts`;

const SEVERITY: Record<string, string> = { watch: 'info', warning: 'warning', critical: 'critical' };

/** The labels of a firing churn alert: Alertmanager identifies an alert by all of them. */
export function churnAlertLabels(a: Pick<ChurnAlert, 'customerId' | 'level' | 'valueTier'>): AlertLabels {
  return {
    alertname: 'CustomerChurnRisk',
    customer_id: a.customerId,
    level: a.level,
    severity: SEVERITY[a.level] ?? 'info',
    value_tier: a.valueTier ?? 'unknown',
  };
}

const sameLabels = (a: AlertLabels, b: AlertLabels) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/**
 * The alerts to post. A new level fires under labels that include the level, so the alert of the
 * previous level (the labels this receiver last saw firing, else rebuilt from `previousLevel`) is
 * resolved in the same post: Alertmanager then shows one live alert per customer. `cleared` only
 * resolves. Firing alerts carry an explicit end `holdHours` ahead (see config.ts, holdHours).
 */
export function alertmanagerAlerts(n: Notification, ctx: FormatContext, holdHours: number): PostableAlert[] {
  const now = ctx.nowMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  const holdUntil = iso(now + holdHours * 3_600_000);
  if (n.kind === 'segment_change') {
    const c = n.change;
    const m = messageText(n);
    return [
      {
        labels: {
          alertname: 'CustomerSegmentChange',
          customer_id: c.customerId,
          dimension: c.dimension,
          from_segment: c.fromSegment ?? 'none',
          to_segment: c.toSegment,
          severity: 'info',
        },
        annotations: {
          summary: `${m.title}: ${c.customerId} ${c.fromSegment ?? 'none'} → ${c.toSegment}`,
          description: m.reasons.join('; '),
          action: c.strategy,
        },
        startsAt: iso(Math.min(c.detectedAt, now)),
        endsAt: holdUntil,
      },
    ];
  }
  const a = n.alert;
  const m = messageText(n);
  const annotations: Record<string, string> = {
    summary: `${m.title}: ${a.customerId} (${m.facts[1]![0]} ${a.riskScore.toFixed(2)})`,
    description: m.reasons.join('; '),
    action: a.action,
  };
  // An annotation, not a label: labels are the alert's identity, and routing trees written before
  // episodes existed keep matching.
  if (a.episodeId !== null) annotations.episode = a.episodeId;
  const link = episodeUrl(ctx.consoleUrl, a.episodeId);
  if (link !== undefined) annotations.episode_url = link;
  const alerts: PostableAlert[] = [];
  const current = a.level === 'cleared' ? undefined : churnAlertLabels(a);
  if (current) alerts.push({ labels: current, annotations, startsAt: iso(Math.min(a.detectedAt, now)), endsAt: holdUntil });
  const previous =
    ctx.firing ??
    (a.previousLevel !== null && a.previousLevel !== 'cleared'
      ? churnAlertLabels({ ...a, level: a.previousLevel as ChurnAlert['level'] })
      : undefined);
  if (previous && !(current && sameLabels(previous, current))) {
    // Resolved now: startsAt may not be after endsAt; Alertmanager keeps the earlier start it has.
    alerts.push({ labels: previous, annotations, startsAt: iso(now), endsAt: iso(now) });
  }
  return alerts;
}
