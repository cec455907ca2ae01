// The console's words in Chinese and English (运营控制台的中英文文案).
// Terms follow the project's glossary (GLOSSARY.md) so an operations manager recognises their own vocabulary.
// Names that come from data (dimensions, segments, features, levels, profile values) are looked up
// here; a name this file does not know is shown exactly as the server sent it.

export const LANGUAGES = ['zh', 'en'];

let current = 'zh';

/** The language in force ('zh' or 'en'). */
export function getLanguage() {
  return current;
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : 'zh';
}

/** The locale for Intl formatting of numbers and times. */
export function locale() {
  return current === 'zh' ? 'zh-CN' : 'en-GB';
}

// ---------------------------------------------------------------------------------------------
// Interface text. Placeholders are {name}; t() fills them with the given values.
// ---------------------------------------------------------------------------------------------

const UI = {
  zh: {
    'app.title': '运营控制台',
    'app.subtitle': '客户细分 · 流失预警',
    'nav.overview': '总览',
    'token.title': '请输入访问令牌',
    'token.label': '访问令牌',
    'token.hint': '令牌仅保存在本浏览器会话中，关闭浏览器后需重新输入。',
    'token.submit': '进入控制台',
    'token.rejected': '访问令牌无效或已过期，请重新输入。',
    'token.empty': '请输入访问令牌。',
    'token.change': '更换令牌',
    'lang.switch': '切换语言',
    'conn.connected': '已连接',
    'conn.connecting': '连接中…',
    'conn.disconnected': '已断开，{seconds} 秒后重连',
    'conn.disconnectedNow': '已断开，正在重连',
    'conn.idle': '未连接',
    'feed.title': '实时动态',
    'feed.empty': '暂无动态。新的细分变化和流失预警会出现在这里。',
    'feed.kind.segment_change': '细分变化',
    'feed.kind.churn_alert': '流失预警',
    'feed.firstSegment': '首次归入 {to}',
    'feed.alert': '流失预警：{level}',
    'feed.alertWas': '（此前：{level}）',
    'feed.alertCleared': '流失预警解除',
    'feed.episode': '预警事件{event}',
    'feed.risk': '风险 {value}',
    'feed.count': '共 {count} 条',
    'filter.dimension': '维度',
    'filter.segment': '细分',
    'filter.level': '预警级别',
    'filter.valueTier': '客户价值',
    'filter.all': '全部',
    'filter.pickDimension': '先选维度',
    'filter.reset': '清除筛选',
    'sizes.title': '细分规模',
    'sizes.asOf': '截至 {time}',
    'sizes.total': '合计 {count}',
    'sizes.empty': '暂无数据',
    'alerts.title': '流失预警事件',
    'alerts.empty': '该级别暂无进行中的预警事件。',
    'alerts.emptyClosed': '暂无已关闭的预警事件。',
    'alerts.tab.closed': '已关闭',
    'alerts.col.customer': '客户',
    'alerts.col.level': '当前级别',
    'alerts.col.episode': '预警事件',
    'alerts.col.timeline': '时间线',
    'alerts.peak': '最高 {level}',
    'alerts.state.open': '进行中',
    'alerts.state.closed': '已关闭',
    'alerts.opened': '开始 {time}',
    'alerts.closed': '关闭 {time}',
    'alerts.timeline': '{count} 条',
    'alerts.timelineMore': '共 {count} 条，仅显示最近 {shown} 条',
    'alerts.beforeEpisodes': '预警事件启用前的预警',
    'alerts.col.risk': '风险分',
    'alerts.col.tier': '客户价值',
    'alerts.col.reason': '主要原因',
    'alerts.col.action': '建议措施',
    'alerts.col.time': '时间',
    'alerts.more': '仅显示前 {count} 条',
    'alerts.notFitted': '流失模型尚未用贵司历史拟合，风险来自默认先验（运行 pnpm churn fit）',
    'search.placeholder': '客户查询：输入客户编号',
    'search.none': '没有匹配的客户',
    'search.label': '客户查询',
    'trend.title': '趋势',
    'trend.dimension': '维度',
    'trend.range': '时间范围',
    'trend.days': '近 {days} 天',
    'trend.empty': '该时间范围内暂无数据',
    'trend.yAxis': '客户数',
    'trend.xAxis': '日期',
    'trend.legendHint': '点击图例可隐藏/显示该细分',
    'detail.back': '← 返回总览',
    'detail.title': '客户 {id}',
    'detail.asOf': '数据截至 {time}',
    'detail.refresh': '刷新',
    'detail.loading': '正在加载客户 {id}…',
    'detail.notFound': '未找到客户 {id}。',
    'detail.profile': '客户资料',
    'detail.profile.industry': '行业',
    'detail.profile.customerType': '客户类型',
    'detail.profile.country': '国家',
    'detail.profile.region': '地区',
    'detail.profile.accountManager': '客户经理',
    'detail.profile.none': '暂无客户资料',
    'detail.churn': '流失风险',
    'detail.churn.none': '当前无流失预警。',
    'detail.churn.score': '风险分',
    'detail.churn.reasons': '流失原因分析',
    'detail.churn.since': '预警时间',
    'detail.cltv': '客户终身价值（CLTV）',
    'detail.cltv.none': '暂无预测：客户尚无订单，或生效规则没有 value 段。',
    'detail.cltv.note':
      '未来12个月：预计订单数 × 预计单均金额，按规则 value 段的年折现率逐月折现。订单少于3笔或合作不足90天时，预测主要来自总体先验，默认规则的价值分层不计入。',
    'detail.segments': '当前细分与解释',
    'detail.segments.none': '尚无细分结果。',
    'detail.since': '自 {time}',
    'detail.strategy': '服务策略',
    'detail.reasons': '原因',
    'detail.noReasons': '无（按属性或默认归入）',
    'reason.notMet': '（未满足）',
    'detail.flags': '当前满足条件的细分',
    'detail.rule': '规则',
    'detail.features': '客户特征',
    'detail.features.none': '暂无特征。',
    'detail.feature': '特征',
    'detail.value': '数值',
    'detail.timeline': '客户时间线',
    'detail.timeline.none': '暂无记录。',
    'common.action': '建议措施',
    'common.strategy': '服务策略',
    'common.cause': '触发',
    'common.eventTime': '业务时间',
    'common.detectedAt': '检测时间',
    'common.loading': '加载中…',
    'common.error': '加载失败：{message}',
    'common.retry': '重试',
    'error.network': '网络不可用',
    'error.unavailable': '服务暂不可用',
  },
  en: {
    'app.title': 'Operations console',
    'app.subtitle': 'Customer segmentation · churn early warning',
    'nav.overview': 'Overview',
    'token.title': 'Enter your access token',
    'token.label': 'Access token',
    'token.hint': 'The token is kept for this browser session only; you will be asked again after closing the browser.',
    'token.submit': 'Open the console',
    'token.rejected': 'The access token was rejected or has expired. Please enter it again.',
    'token.empty': 'Please enter the access token.',
    'token.change': 'Change token',
    'lang.switch': 'Switch language',
    'conn.connected': 'Connected',
    'conn.connecting': 'Connecting…',
    'conn.disconnected': 'Disconnected, reconnecting in {seconds} s',
    'conn.disconnectedNow': 'Disconnected, reconnecting',
    'conn.idle': 'Not connected',
    'feed.title': 'Live feed',
    'feed.empty': 'Nothing yet. New segment changes and churn alerts appear here.',
    'feed.kind.segment_change': 'Segment change',
    'feed.kind.churn_alert': 'Churn alert',
    'feed.firstSegment': 'first segment: {to}',
    'feed.alert': 'Churn alert: {level}',
    'feed.alertWas': ' (was {level})',
    'feed.alertCleared': 'Churn alert cleared',
    'feed.episode': 'episode {event}',
    'feed.risk': 'risk {value}',
    'feed.count': '{count} items',
    'filter.dimension': 'Dimension',
    'filter.segment': 'Segment',
    'filter.level': 'Alert level',
    'filter.valueTier': 'Customer value',
    'filter.all': 'All',
    'filter.pickDimension': 'Pick a dimension',
    'filter.reset': 'Clear filters',
    'sizes.title': 'Segment sizes',
    'sizes.asOf': 'as of {time}',
    'sizes.total': 'total {count}',
    'sizes.empty': 'No data yet',
    'alerts.title': 'Churn alert episodes',
    'alerts.empty': 'No open alert episode at this level.',
    'alerts.emptyClosed': 'No closed alert episode yet.',
    'alerts.tab.closed': 'Closed',
    'alerts.col.customer': 'Customer',
    'alerts.col.level': 'Level now',
    'alerts.col.episode': 'Episode',
    'alerts.col.timeline': 'Timeline',
    'alerts.peak': 'peak {level}',
    'alerts.state.open': 'Open',
    'alerts.state.closed': 'Closed',
    'alerts.opened': 'opened {time}',
    'alerts.closed': 'closed {time}',
    'alerts.timeline': '{count} messages',
    'alerts.timelineMore': '{count} in all, the latest {shown} shown',
    'alerts.beforeEpisodes': 'alert from before episodes',
    'alerts.col.risk': 'Risk',
    'alerts.col.tier': 'Value',
    'alerts.col.reason': 'Main reason',
    'alerts.col.action': 'Recommended action',
    'alerts.col.time': 'Time',
    'alerts.more': 'Showing the first {count} only',
    'alerts.notFitted': 'The churn model is not fitted to your history yet: the risks come from the documented prior (run pnpm churn fit)',
    'search.placeholder': 'Customer search: type a customer id',
    'search.none': 'No matching customer',
    'search.label': 'Customer search',
    'trend.title': 'Trend',
    'trend.dimension': 'Dimension',
    'trend.range': 'Period',
    'trend.days': 'last {days} days',
    'trend.empty': 'No data in this period',
    'trend.yAxis': 'customers',
    'trend.xAxis': 'day',
    'trend.legendHint': 'Click a legend entry to hide or show that segment',
    'detail.back': '← Back to overview',
    'detail.title': 'Customer {id}',
    'detail.asOf': 'data as of {time}',
    'detail.refresh': 'Refresh',
    'detail.loading': 'Loading customer {id}…',
    'detail.notFound': 'Customer {id} was not found.',
    'detail.profile': 'Profile',
    'detail.profile.industry': 'Industry',
    'detail.profile.customerType': 'Customer type',
    'detail.profile.country': 'Country',
    'detail.profile.region': 'Region',
    'detail.profile.accountManager': 'Account manager',
    'detail.profile.none': 'No profile yet',
    'detail.churn': 'Churn risk',
    'detail.churn.none': 'No churn alert at present.',
    'detail.churn.score': 'Risk score',
    'detail.churn.reasons': 'Churn cause analysis',
    'detail.churn.since': 'Alert time',
    'detail.cltv': 'Customer lifetime value (CLTV)',
    'detail.cltv.none': 'No prediction: no order yet, or the rules in force have no value section.',
    'detail.cltv.note':
      "Next 12 months: expected orders × expected order value, discounted month by month at the annual rate of the rules' value section. With fewer than 3 orders or under 90 days as a customer it is mostly the population's prior, and the shipped value tier does not count it.",
    'detail.segments': 'Current segments and why',
    'detail.segments.none': 'No segments yet.',
    'detail.since': 'since {time}',
    'detail.strategy': 'Service strategy',
    'detail.reasons': 'Reasons',
    'detail.noReasons': 'none (by attribute or the default segment)',
    'reason.notMet': ' (not met)',
    'detail.flags': 'Segments whose conditions hold now',
    'detail.rule': 'Rule',
    'detail.features': 'Customer features',
    'detail.features.none': 'No features yet.',
    'detail.feature': 'Feature',
    'detail.value': 'Value',
    'detail.timeline': 'Customer timeline',
    'detail.timeline.none': 'Nothing recorded yet.',
    'common.action': 'Recommended action',
    'common.strategy': 'Service strategy',
    'common.cause': 'Cause',
    'common.eventTime': 'Event time',
    'common.detectedAt': 'Detected',
    'common.loading': 'Loading…',
    'common.error': 'Could not load: {message}',
    'common.retry': 'Retry',
    'error.network': 'network unavailable',
    'error.unavailable': 'service unavailable',
  },
};

/** Interface text for a key, with {placeholders} filled; the key itself if unknown. */
export function t(key, params = {}) {
  const text = UI[current][key] ?? UI.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * Adds a page's own words ({ key: [中文, English] }) to the interface text: the measures pages keep
 * their words beside their code instead of growing this file.
 */
export function addWords(words) {
  for (const [key, [zh, en]] of Object.entries(words)) {
    UI.zh[key] = zh;
    UI.en[key] = en;
  }
}

// ---------------------------------------------------------------------------------------------
// Names from the rules (config/rules.yaml): dimensions and their segments. [中文, English]
// ---------------------------------------------------------------------------------------------

const DIMENSIONS = {
  value_tier: ['客户价值', 'Customer value'],
  rfm: ['RFM 分群', 'RFM groups'],
  rfm_group: ['RFM 八类客户', 'RFM eight groups'],
  lifecycle: ['客户生命周期', 'Customer lifecycle'],
  behaviour: ['客户行为', 'Customer behaviour'],
  behavior: ['客户行为', 'Customer behaviour'],
  needs: ['客户需求', 'Customer needs'],
  loyalty: ['客户忠诚度', 'Loyalty'],
  satisfaction: ['客户满意度', 'Satisfaction'],
  industry: ['行业特性', 'Industry'],
  region: ['地理位置', 'Geography'],
  country: ['国家', 'Country'],
  customer_type: ['客户类型', 'Customer type'],
};

// Segment names per dimension: the same name can mean different things (rfm at_risk vs lifecycle at_risk).
const SEGMENTS = {
  value_tier: {
    high: ['高价值客户', 'High-value customer'],
    medium: ['中价值客户', 'Medium-value customer'],
    low: ['低价值客户', 'Low-value customer'],
  },
  rfm: {
    champions: ['冠军客户', 'Champions'],
    loyal: ['忠诚客户', 'Loyal'],
    potential_loyalist: ['潜在忠诚客户', 'Potential loyalists'],
    new_customers: ['新近客户', 'New customers'],
    at_risk: ['有流失风险', 'At risk'],
    needs_attention: ['需要关注', 'Needs attention'],
    lost: ['已流失', 'Lost'],
    hibernating: ['沉睡客户', 'Hibernating'],
  },
  rfm_group: {
    important_value: ['重要价值客户', 'Important value customer'],
    important_development: ['重要发展客户', 'Important development customer'],
    important_retention: ['重要保持客户', 'Important retention customer'],
    important_win_back: ['重要挽留客户', 'Important win-back customer'],
    general_value: ['一般价值客户', 'General value customer'],
    general_development: ['一般发展客户', 'General development customer'],
    general_retention: ['一般保持客户', 'General retention customer'],
    general_win_back: ['一般挽留客户', 'General win-back customer'],
  },
  lifecycle: {
    prospect: ['潜在客户（未下单）', 'Prospect (no order yet)'],
    new: ['新客户', 'New customer'],
    active: ['活跃客户', 'Active customer'],
    at_risk: ['风险客户', 'At-risk customer'],
    churned: ['流失客户', 'Churned customer'],
    won_back: ['回流客户', 'Won-back customer'],
  },
  behaviour: {
    high_return: ['高退货率客户', 'High return rate'],
    high_complaint: ['高投诉客户', 'Frequent complaints'],
    high_frequency: ['高频下单客户', 'High order frequency'],
    high_volume: ['大单量客户', 'High order volume'],
    regular: ['常规客户', 'Regular'],
  },
  needs: {
    time_sensitive: ['时效敏感（及时性）', 'Time-sensitive (timeliness)'],
    value_added_seeker: ['增值服务需求', 'Value-added services seeker'],
    cost_sensitive: ['成本敏感', 'Cost-sensitive'],
    standard: ['标准需求', 'Standard needs'],
  },
  loyalty: {
    gold: ['金牌会员', 'Gold tier'],
    silver: ['银牌会员', 'Silver tier'],
    bronze: ['铜牌会员', 'Bronze tier'],
    none: ['未入会', 'No tier'],
  },
  industry: {
    MANUFACTURING: ['制造业', 'Manufacturing'],
    RETAIL: ['零售业', 'Retail'],
    E_COMMERCE: ['电商', 'E-commerce'],
    OTHER: ['其他行业', 'Other'],
  },
  customer_type: {
    SHIPPING_LINE: ['航运公司', 'Shipping line'],
    CARGO_OWNER: ['货主', 'Cargo owner'],
    AGENT: ['代理商', 'Agent'],
    FORWARDER: ['货代', 'Forwarder'],
    SHIPPER: ['托运人', 'Shipper'],
  },
  region: {
    'Yangtze River Delta': ['长三角', 'Yangtze River Delta'],
    'Pearl River Delta': ['珠三角', 'Pearl River Delta'],
    'Bohai Rim': ['环渤海', 'Bohai Rim'],
    'Central China': ['华中', 'Central China'],
    'Western China': ['中国西部', 'Western China'],
    'Hong Kong': ['香港', 'Hong Kong'],
    Singapore: ['新加坡', 'Singapore'],
    Busan: ['釜山', 'Busan'],
    Kanto: ['关东', 'Kanto'],
    Hamburg: ['汉堡', 'Hamburg'],
    'South Holland': ['南荷兰', 'South Holland'],
    England: ['英格兰', 'England'],
    California: ['加利福尼亚', 'California'],
    'New York': ['纽约', 'New York'],
  },
};
SEGMENTS.behavior = SEGMENTS.behaviour;

// Values any attribute dimension can take when the profile lacks the attribute.
const ANY_DIMENSION = { unknown: ['未知', 'Unknown'] };

const pick = (pair) => (current === 'zh' ? pair[0] : pair[1]);

/** The dimension's business name (客户价值 …), or the raw name. */
export function dimensionName(name) {
  const pair = DIMENSIONS[name];
  return pair ? pick(pair) : String(name);
}

/** A segment's business name within its dimension, or the raw name. */
export function segmentName(dimension, segment) {
  if (segment === null || segment === undefined || segment === '') return '—';
  const pair = SEGMENTS[dimension]?.[segment] ?? ANY_DIMENSION[segment];
  if (pair) return pick(pair);
  if (dimension === 'country') return countryName(segment);
  return String(segment);
}

/** A country code (CN, DE …) in the current language, via the browser's own region names. */
export function countryName(code) {
  if (!code) return '—';
  try {
    return new Intl.DisplayNames([locale()], { type: 'region' }).of(String(code).toUpperCase()) ?? String(code);
  } catch {
    return String(code);
  }
}

/** Profile values: industry and customer type are enums, the region a free name. */
export function profileValue(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  switch (field) {
    case 'industry':
      return segmentName('industry', value);
    case 'customerType':
      return segmentName('customer_type', value);
    case 'country':
      return countryName(value);
    case 'region':
      return segmentName('region', value);
    default:
      return String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Churn: levels, reason codes, causes, timeline kinds.
// ---------------------------------------------------------------------------------------------

const LEVELS = {
  watch: ['关注', 'Watch'],
  warning: ['预警', 'Warning'],
  critical: ['严重', 'Critical'],
  cleared: ['解除', 'Cleared'],
};

export function levelName(level) {
  if (level === null || level === undefined || level === '') return '—';
  const pair = LEVELS[level];
  return pair ? pick(pair) : String(level);
}

const REASON_CODES = {
  inactivity: ['长期未下单', 'No recent orders'],
  late_deliveries: ['延误', 'Late deliveries'],
  damage_or_loss: ['货物损坏或丢失', 'Damage or loss'],
  complaints: ['投诉', 'Complaints'],
  open_complaints: ['未解决投诉', 'Unresolved complaints'],
  low_satisfaction: ['满意度低', 'Low satisfaction'],
};

export function reasonCodeName(code) {
  const pair = REASON_CODES[code];
  return pair ? pick(pair) : String(code ?? '');
}

const CAUSES = {
  event: ['业务事件', 'business event'],
  timer: ['定时评估', 'scheduled re-evaluation'],
  profile: ['客户资料变更', 'profile update'],
  rules_changed: ['规则变更', 'rules change'],
};

export function causeName(cause) {
  const pair = CAUSES[cause];
  return pair ? pick(pair) : String(cause ?? '');
}

// What a message did to its alert episode (预警事件).
const EPISODE_EVENTS = {
  opened: ['开启', 'opened'],
  escalated: ['升级', 'escalated'],
  re_escalated: ['再次升级', 're-escalated'],
  de_escalated: ['降级', 'de-escalated'],
  closed: ['关闭', 'closed'],
};

export function episodeEventName(event) {
  const pair = EPISODE_EVENTS[event];
  return pair ? pick(pair) : String(event ?? '');
}

const TIMELINE_KINDS = {
  order: ['订单', 'Order'],
  shipment: ['运单', 'Shipment'],
  complaint: ['投诉', 'Complaint'],
  profile: ['客户资料', 'Profile'],
  segment_change: ['细分变化', 'Segment change'],
  churn_alert: ['流失预警', 'Churn alert'],
};

export function timelineKindName(kind) {
  const pair = TIMELINE_KINDS[kind];
  return pair ? pick(pair) : String(kind ?? '');
}

// ---------------------------------------------------------------------------------------------
// Features (packages/segmentation/src/features/FEATURES.md) and the derived scores of the rules.
// ---------------------------------------------------------------------------------------------

const FEATURES = {
  lifetime_orders: ['累计订单数', 'lifetime orders'],
  lifetime_value: ['累计订单金额', 'lifetime order value'],
  avg_order_value: ['平均订单金额', 'average order value'],
  repeat_orders: ['重复下单次数', 'repeat orders'],
  value_trend_30d: ['近30天金额趋势', 'value trend, last 30 days'],
  tenure_days: ['合作天数', 'tenure (days)'],
  first_order_at: ['首次下单时间', 'first order'],
  last_order_at: ['最近下单时间', 'last order'],
  days_since_last_order: ['距上次下单天数', 'days since the last order'],
  order_gap_mean_days: ['平均下单间隔（天）', 'mean days between orders'],
  order_gap_mean_days_365d: ['近365天平均下单间隔（天）', 'mean days between orders, last 365 days'],
  order_gap_stddev_days_365d: ['近365天下单间隔标准差（天）', 'spread of days between orders, last 365 days'],
  return_rate_90d: ['近90天退货率', 'return rate, last 90 days'],
  cancellation_rate_90d: ['近90天取消率', 'cancellation rate, last 90 days'],
  share_express_90d: ['近90天加急件占比', 'express share, last 90 days'],
  share_standard_90d: ['近90天标准件占比', 'standard service share, last 90 days'],
  share_economy_90d: ['近90天经济件占比', 'economy share, last 90 days'],
  share_value_added_90d: ['近90天增值服务订单占比', 'value-added services share, last 90 days'],
  distinct_routes: ['不同线路数', 'distinct routes'],
  distinct_destination_countries: ['目的国数量', 'destination countries'],
  open_complaints: ['未解决投诉数', 'open complaints'],
  complaint_resolution_mean_hours: ['平均投诉处理时长（小时）', 'mean complaint resolution time (hours)'],
  satisfaction_score_mean: ['平均满意度评分', 'mean satisfaction score'],
  nps_latest: ['最新净推荐值 (NPS)', 'latest NPS'],
  r_score: ['R 得分（最近一次消费）', 'R score (recency)'],
  f_score: ['F 得分（消费频率）', 'F score (frequency)'],
  m_score: ['M 得分（消费金额）', 'M score (monetary)'],
  p_alive: ['仍在下单的概率', 'chance the customer still orders'],
  churn_risk: ['流失风险', 'churn risk'],
  silence_probability: ['按平常节奏出现当前沉默的概率', 'chance of this silence while ordering as usual'],
  clv_12m: ['客户终身价值（未来12个月，CLTV）', 'customer lifetime value, next 12 months (CLTV)'],
  expected_orders_12m: ['预计未来12个月订单数', 'expected orders, next 12 months'],
  expected_order_value: ['预计单均金额', 'expected order value'],
  days_in_segment: ['在当前细分的天数', 'days in the current segment'],
};

// The windowed families, written once: name pattern → [中文, English] with N the window in days.
const WINDOWED = [
  [/^orders_(\d+)d$/, (n) => [`近${n}天订单数`, `orders, last ${n} days`]],
  [/^order_value_(\d+)d$/, (n) => [`近${n}天订单金额`, `order value, last ${n} days`]],
  [/^shipments_delivered_(\d+)d$/, (n) => [`近${n}天签收运单数`, `shipments delivered, last ${n} days`]],
  [/^on_time_rate_(\d+)d$/, (n) => [`近${n}天准时率`, `on-time rate, last ${n} days`]],
  [/^shipments_delayed_(\d+)d$/, (n) => [`近${n}天延误运单数`, `delayed shipments, last ${n} days`]],
  [/^shipments_damaged_(\d+)d$/, (n) => [`近${n}天货损运单数`, `damaged shipments, last ${n} days`]],
  [/^shipments_lost_(\d+)d$/, (n) => [`近${n}天丢失运单数`, `lost shipments, last ${n} days`]],
  [/^complaints_opened_(\d+)d$/, (n) => [`近${n}天投诉数`, `complaints, last ${n} days`]],
];

/** A feature's business name (近365天订单金额 …), or the raw name. */
export function featureName(name) {
  const pair = FEATURES[name];
  if (pair) return pick(pair);
  for (const [pattern, make] of WINDOWED) {
    const m = pattern.exec(name);
    if (m) return pick(make(m[1]));
  }
  return String(name);
}

/** Display order of features in the drill-down: orders first, then service, then satisfaction, then scores. */
export const FEATURE_ORDER = [
  'order_value_7d',
  'order_value_30d',
  'order_value_90d',
  'order_value_365d',
  'lifetime_value',
  'avg_order_value',
  'orders_7d',
  'orders_30d',
  'orders_90d',
  'orders_365d',
  'lifetime_orders',
  'repeat_orders',
  'value_trend_30d',
  'first_order_at',
  'last_order_at',
  'days_since_last_order',
  'tenure_days',
  'order_gap_mean_days',
  'order_gap_mean_days_365d',
  'order_gap_stddev_days_365d',
  'share_express_90d',
  'share_standard_90d',
  'share_economy_90d',
  'share_value_added_90d',
  'return_rate_90d',
  'cancellation_rate_90d',
  'distinct_routes',
  'distinct_destination_countries',
  'shipments_delivered_30d',
  'shipments_delivered_90d',
  'on_time_rate_30d',
  'on_time_rate_90d',
  'shipments_delayed_30d',
  'shipments_delayed_90d',
  'shipments_damaged_30d',
  'shipments_damaged_90d',
  'shipments_lost_30d',
  'shipments_lost_90d',
  'complaints_opened_30d',
  'complaints_opened_90d',
  'open_complaints',
  'complaint_resolution_mean_hours',
  'satisfaction_score_mean',
  'nps_latest',
  'r_score',
  'f_score',
  'm_score',
  'p_alive',
  'churn_risk',
  'silence_probability',
  'days_in_segment',
  'clv_12m',
  'expected_orders_12m',
  'expected_order_value',
];

// ---------------------------------------------------------------------------------------------
// Formatting in the current language.
// ---------------------------------------------------------------------------------------------

/** A number with grouping (1,000) and at most `digits` decimals. */
export function formatNumber(value, digits = 2) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === null || value === undefined ? '—' : String(value);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

/** A share in [0, 1] as a percentage (0.153 → 15.3%). */
export function formatPercent(value, digits = 1) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits }).format(value);
}

/** Date and time in the browser's zone, e.g. 2026-11-23 16:01:02. */
export function formatDateTime(ms, { seconds = true } = {}) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${date} ${time}`;
}

/** A compact time for dense lists: the time alone today, month-day and time otherwise. */
export function formatShortTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  if (sameDay) return time;
  const year = d.getFullYear() === now.getFullYear() ? '' : `${d.getFullYear()}-`;
  return `${year}${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}
