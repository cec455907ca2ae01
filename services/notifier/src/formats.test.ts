import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aChurnAlert, aSegmentChange } from '@segmentation/contracts';
import { parseNotifierConfig, type ReceiverConfig } from './config.ts';
import {
  alertmanagerAlerts,
  buildRequest,
  dingTalkMessage,
  messageText,
  slackMessage,
  webhookRequest,
  weComMessage,
  type Notification,
} from './formats.ts';

const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);
// An escalation of the customer's open alert episode.
const alert = aChurnAlert({
  customerId: 'C-1',
  sequence: 3,
  level: 'critical',
  previousLevel: 'warning',
  riskScore: 0.8234,
  valueTier: 'high',
  episodeId: 'C-1/episode/2',
  episodeEvent: 'escalated',
  eventTime: NOW - 60_000,
  detectedAt: NOW - 1000,
  reasons: [
    { code: 'order_gap', text: 'No order for 45 days (usually every 7)', value: 45 },
    { code: 'late_deliveries', text: '3 of the last 10 deliveries late', value: 0.3 },
  ],
  action: 'Account manager visit within 48 h',
});
const churn: Notification = { kind: 'churn_alert', alert };
const change: Notification = {
  kind: 'segment_change',
  change: aSegmentChange({
    customerId: 'C-2',
    sequence: 4,
    fromSegment: 'high',
    toSegment: 'medium',
    eventTime: NOW - 5000,
    strategy: 'Regular revisits',
  }),
};

const receivers = parseNotifierConfig(
  `
receivers:
  - { name: hook, type: webhook, url: "https://ops.example.com/hook", secret: k3y }
  - { name: slack, type: slack, url: "https://hooks.slack.com/services/T/B/X" }
  - { name: ding, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=t0k", secret: SECret }
  - { name: ding-plain, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=t0k" }
  - { name: wecom, type: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" }
  - { name: am, type: alertmanager, url: "http://am:9093/", holdHours: 24 }
`,
  {},
).receivers;
const receiver = (name: string): ReceiverConfig => receivers.find((r) => r.name === name)!;

describe('the generic webhook', () => {
  it('posts the record with its kind, the id as idempotency key, and a signature over timestamp.body', () => {
    const req = webhookRequest(receiver('hook'), churn, NOW);
    expect(JSON.parse(req.body)).toEqual({ kind: 'churn_alert', ...alert });
    expect(req.headers['X-Segmentation-Id']).toBe('C-1/churn/3');
    expect(req.headers['X-Segmentation-Timestamp']).toBe(String(NOW / 1000));
    const expected = createHmac('sha256', 'k3y')
      .update(`${NOW / 1000}.${req.body}`)
      .digest('hex');
    expect(req.headers['X-Segmentation-Signature']).toBe(`sha256=${expected}`);
    expect(req.url).toBe('https://ops.example.com/hook');
  });

  it('carries a segment change as kind segment_change, and goes unsigned without a secret', () => {
    const req = webhookRequest({ url: 'http://h', secret: undefined }, change, NOW);
    expect(JSON.parse(req.body)).toMatchObject({
      kind: 'segment_change',
      changeId: 'C-2/value_tier/4',
      fromSegment: 'high',
      toSegment: 'medium',
    });
    expect(req.headers['X-Segmentation-Id']).toBe('C-2/value_tier/4');
    expect(req.headers['X-Segmentation-Signature']).toBeUndefined();
  });
});

describe('the message text', () => {
  it('is bilingual, with the glossary words, the customer, score, episode, reasons and action', () => {
    const m = messageText(churn);
    expect(m.title).toBe('流失预警升级 Churn alert escalated: 严重 critical');
    expect(m.facts).toEqual([
      ['客户 Customer', 'C-1'],
      ['风险分 Risk score', '0.82'],
      ['级别 Level', '预警 warning → 严重 critical'],
      ['价值层级 Value tier', 'high'],
      ['预警事件 Alert episode', 'C-1/episode/2 (升级 escalated)'],
    ]);
    expect(m.reasons).toEqual(['No order for 45 days (usually every 7)', '3 of the last 10 deliveries late']);
    expect(m.action).toEqual(['建议行动 Recommended action', 'Account manager visit within 48 h']);
    expect(messageText({ kind: 'churn_alert', alert: { ...alert, level: 'cleared', previousLevel: 'critical' } }).title).toBe(
      '流失预警解除 Churn alert cleared',
    );
    expect(messageText({ kind: 'churn_alert', alert: { ...alert, level: 'watch', previousLevel: null } }).facts[2]).toEqual([
      '级别 Level',
      '关注 watch',
    ]);
    expect(messageText(change).facts[1]).toEqual(['变化 Change', 'high → medium']);
  });

  it("names the episode's opening and close, and keeps 流失预警 in every title (DingTalk's keyword security)", () => {
    const opened = messageText({ kind: 'churn_alert', alert: { ...alert, level: 'warning', previousLevel: null, episodeEvent: 'opened' } });
    expect(opened.title).toBe('流失预警 Churn alert: 预警 warning');
    expect(opened.facts.at(-1)).toEqual(['预警事件 Alert episode', 'C-1/episode/2 (开启 opened)']);
    const closed = messageText({
      kind: 'churn_alert',
      alert: { ...alert, level: 'cleared', previousLevel: 'watch', episodeEvent: 'closed' },
    });
    expect(closed.title).toBe('流失预警解除 Churn alert cleared');
    expect(closed.facts.at(-1)).toEqual(['预警事件 Alert episode', 'C-1/episode/2 (关闭 closed)']);
  });

  it('says when a rules change raised the alert, and names no episode on an alert written before episodes existed', () => {
    const older = messageText({ kind: 'churn_alert', alert: { ...alert, episodeId: null, episodeEvent: null } });
    expect(older.title).toBe('流失预警 Churn alert: 严重 critical');
    expect(older.facts.map(([label]) => label)).toEqual(['客户 Customer', '风险分 Risk score', '级别 Level', '价值层级 Value tier']);
    const byRules = messageText({ kind: 'churn_alert', alert: { ...alert, cause: 'rules_changed' } });
    expect(byRules.facts.at(-1)).toEqual(['触发 Cause', '规则变更 rules change']);
  });
});

describe('chat robots', () => {
  it('Slack: a text fallback and mrkdwn blocks, with &, < and > escaped', () => {
    const msg = slackMessage({ kind: 'churn_alert', alert: { ...alert, action: 'Call <AM> & visit' } });
    expect(msg.text).toBe('流失预警升级 Churn alert escalated: 严重 critical · C-1');
    expect(msg.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '流失预警升级 Churn alert escalated: 严重 critical' },
    });
    const section = (msg.blocks[1] as { text: { text: string } }).text.text;
    expect(section).toContain('*风险分 Risk score*: 0.82');
    expect(section).toContain('• No order for 45 days (usually every 7)');
    expect(section).toContain('Call &lt;AM&gt; &amp; visit');
  });

  it('DingTalk: a markdown message; with a secret the URL carries timestamp and sign', () => {
    const msg = dingTalkMessage(churn);
    expect(msg.msgtype).toBe('markdown');
    expect(msg.markdown.title).toBe('流失预警升级 Churn alert escalated: 严重 critical');
    expect(msg.markdown.text).toBe(
      [
        '### 流失预警升级 Churn alert escalated: 严重 critical',
        '**客户 Customer**: C-1',
        '**风险分 Risk score**: 0.82',
        '**级别 Level**: 预警 warning → 严重 critical',
        '**价值层级 Value tier**: high',
        '**预警事件 Alert episode**: C-1/episode/2 (升级 escalated)',
        '**原因 Reasons**:\n\n- No order for 45 days (usually every 7)\n- 3 of the last 10 deliveries late',
        '**建议行动 Recommended action**: Account manager visit within 48 h',
      ].join('\n\n'),
    );
    const signed = new URL(buildRequest(receiver('ding'), churn, { nowMs: NOW })!.url);
    expect(signed.searchParams.get('access_token')).toBe('t0k');
    expect(signed.searchParams.get('timestamp')).toBe(String(NOW));
    expect(signed.searchParams.get('sign')).toBe(createHmac('sha256', 'SECret').update(`${NOW}\nSECret`).digest('base64'));
    expect(buildRequest(receiver('ding-plain'), churn, { nowMs: NOW })!.url).toBe('https://oapi.dingtalk.com/robot/send?access_token=t0k');
  });

  it('WeCom: markdown content, kept within 4096 bytes', () => {
    const msg = weComMessage(churn);
    expect(msg).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: expect.stringContaining('### 流失预警升级 Churn alert escalated: 严重 critical\n**客户 Customer**: C-1') as unknown,
      },
    });
    const long = weComMessage({
      kind: 'churn_alert',
      alert: {
        ...alert,
        reasons: Array.from({ length: 8 }, (_, i) => ({ code: 'x', text: `原因 ${i} ${'很长'.repeat(400)}`, value: null })),
      },
    });
    expect(Buffer.byteLength(long.markdown.content)).toBeLessThanOrEqual(4096);
  });
});

describe('Alertmanager', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('posts to <url>/api/v2/alerts a firing alert with its labels, held for holdHours, and resolves the previous level', () => {
    const req = buildRequest(receiver('am'), churn, { nowMs: NOW })!;
    expect(req.url).toBe('http://am:9093/api/v2/alerts');
    const posted = JSON.parse(req.body) as unknown[];
    expect(posted).toEqual([
      {
        labels: { alertname: 'CustomerChurnRisk', customer_id: 'C-1', level: 'critical', severity: 'critical', value_tier: 'high' },
        annotations: {
          summary: '流失预警升级 Churn alert escalated: 严重 critical: C-1 (风险分 Risk score 0.82)',
          description: 'No order for 45 days (usually every 7); 3 of the last 10 deliveries late',
          action: 'Account manager visit within 48 h',
          episode: 'C-1/episode/2',
        },
        startsAt: iso(NOW - 1000),
        endsAt: iso(NOW + 24 * 3_600_000),
      },
      expect.objectContaining({
        labels: { alertname: 'CustomerChurnRisk', customer_id: 'C-1', level: 'warning', severity: 'warning', value_tier: 'high' },
        startsAt: iso(NOW),
        endsAt: iso(NOW),
      }),
    ]);
  });

  it('a cleared alert only resolves: the labels the receiver has firing, else those of the previous level', () => {
    const cleared: Notification = {
      kind: 'churn_alert',
      alert: { ...alert, level: 'cleared', previousLevel: 'warning', valueTier: 'medium' },
    };
    const firing = { alertname: 'CustomerChurnRisk', customer_id: 'C-1', level: 'warning', severity: 'warning', value_tier: 'high' };
    expect(alertmanagerAlerts(cleared, { nowMs: NOW, firing }, 24)).toEqual([
      expect.objectContaining({ labels: firing, endsAt: iso(NOW) }),
    ]);
    expect(alertmanagerAlerts(cleared, { nowMs: NOW }, 24)).toEqual([
      expect.objectContaining({ labels: { ...firing, value_tier: 'medium' }, endsAt: iso(NOW) }),
    ]);
    // A first alert resolves nothing; a clear of an alert never seen fire sends nothing.
    expect(
      alertmanagerAlerts({ kind: 'churn_alert', alert: { ...alert, level: 'watch', previousLevel: null } }, { nowMs: NOW }, 24),
    ).toHaveLength(1);
    expect(
      buildRequest(receiver('am'), { kind: 'churn_alert', alert: { ...alert, level: 'cleared', previousLevel: null } }, { nowMs: NOW }),
    ).toBeUndefined();
  });

  it('re-posting the same level does not resolve what it fires', () => {
    const again = alertmanagerAlerts({ kind: 'churn_alert', alert: { ...alert, previousLevel: 'critical' } }, { nowMs: NOW }, 24);
    expect(again).toHaveLength(1);
  });

  it('a segment change is an info alert of its own name', () => {
    const [posted] = alertmanagerAlerts(change, { nowMs: NOW }, 24);
    expect(posted!.labels).toEqual({
      alertname: 'CustomerSegmentChange',
      customer_id: 'C-2',
      dimension: 'value_tier',
      from_segment: 'high',
      to_segment: 'medium',
      severity: 'info',
    });
  });
});

describe('the link to the episode in the console', () => {
  const consoleUrl = 'https://console.example.com/ops/';
  const link = 'https://console.example.com/ops/#/episode/C-1%2Fepisode%2F2';

  it('is in every format once the console address is set, with the episode id encoded', () => {
    expect(JSON.parse(webhookRequest(receiver('hook'), churn, NOW, consoleUrl).body)).toEqual({
      kind: 'churn_alert',
      ...alert,
      episodeUrl: link,
    });
    expect(messageText(churn, consoleUrl).facts.at(-1)).toEqual(['预警处理 Work it in the console', link]);
    for (const name of ['slack', 'ding', 'wecom'])
      expect(buildRequest(receiver(name), churn, { nowMs: NOW, consoleUrl })!.body, name).toContain(link);
    expect(alertmanagerAlerts(churn, { nowMs: NOW, consoleUrl }, 24)[0]!.annotations.episode_url).toBe(link);
  });

  it('is left out without a console address, for an alert outside any episode, and for a segment change', () => {
    expect(JSON.parse(webhookRequest(receiver('hook'), churn, NOW).body)).not.toHaveProperty('episodeUrl');
    const older: Notification = { kind: 'churn_alert', alert: { ...alert, episodeId: null, episodeEvent: null } };
    expect(JSON.parse(webhookRequest(receiver('hook'), older, NOW, consoleUrl).body)).not.toHaveProperty('episodeUrl');
    expect(messageText(change, consoleUrl).facts.map(([label]) => label)).not.toContain('预警处理 Work it in the console');
    expect(alertmanagerAlerts(churn, { nowMs: NOW }, 24)[0]!.annotations).not.toHaveProperty('episode_url');
  });
});
