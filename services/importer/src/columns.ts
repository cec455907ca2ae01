// The default column mapping: which export columns feed which field of each source record, and
// how a cell becomes a field value. Aliases cover the names common CRM / TMS exports use, in
// English and Chinese; a mapping file (see mapping.ts and docs/import.md) overrides them.
// Header names are compared loosely (case, spaces, `_`, `-` and `.` ignored), so `customer_id`,
// `Customer ID` and `customerId` are one column.

export const IMPORT_KINDS = ['orders', 'shipments', 'complaints', 'profiles'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** How a cell is converted: `code` is upper-cased (currencies, countries, ports), `enum` canonicalised. */
export type FieldType = 'text' | 'number' | 'time' | 'enum' | 'code' | 'list';

export interface FieldSpec {
  type: FieldType;
  /** Column names to look for, first match wins. */
  columns: string[];
  /** Absent or empty becomes null (or [] for a list) instead of a rejection. */
  optional?: boolean;
  /** Used when the row has no value: a cell text, converted like one. */
  default?: string;
  /** Used when the row has no value and no default: the value of another field. */
  fallback?: string;
  /** Cell values (compared case-insensitively) that mean a canonical value. */
  values?: Record<string, string>;
}

export type KindSpec = Record<string, FieldSpec>;

const eventId: FieldSpec = { type: 'text', optional: true, columns: ['event_id', 'eventId', 'event_uuid', '事件编号', '事件ID'] };
const customerId: FieldSpec = { type: 'text', columns: ['customer_id', 'customerId', 'customer_no', 'customer_code', 'cust_id', 'client_id', '客户编号', '客户ID', '客户代码', '客户号'] };
const originCountry = ['origin_country', 'origin_country_code', 'from_country', 'origin', '始发国', '起运国'];
const destinationCountry = ['destination_country', 'destination_country_code', 'dest_country', 'to_country', 'destination', '目的国'];

/** Chinese and common English labels of the enum values, besides the canonical names themselves. */
const orderKinds = { 下单: 'PLACED', 已下单: 'PLACED', 新建: 'PLACED', created: 'PLACED', 取消: 'CANCELLED', 已取消: 'CANCELLED', canceled: 'CANCELLED', 退货: 'RETURNED', 已退货: 'RETURNED' };
const serviceLevels = { 特快: 'EXPRESS', 加急: 'EXPRESS', 标准: 'STANDARD', 经济: 'ECONOMY' };
const shipmentStatuses = {
  已揽收: 'PICKED_UP', 揽收: 'PICKED_UP', 运输中: 'IN_TRANSIT', 在途: 'IN_TRANSIT', 已送达: 'DELIVERED', 已签收: 'DELIVERED', 签收: 'DELIVERED',
  延误: 'DELAYED', 损坏: 'DAMAGED', 货损: 'DAMAGED', 丢失: 'LOST', 遗失: 'LOST', 退回: 'RETURNED', 已退回: 'RETURNED',
};
const transportModes = { 公路: 'ROAD', 陆运: 'ROAD', truck: 'ROAD', 海运: 'SEA', ocean: 'SEA', 空运: 'AIR', 铁路: 'RAIL', 铁运: 'RAIL' };
const complaintActions = { 新建: 'OPENED', 已受理: 'OPENED', 受理: 'OPENED', open: 'OPENED', 升级: 'ESCALATED', 已升级: 'ESCALATED', 已解决: 'RESOLVED', 解决: 'RESOLVED', 已关闭: 'RESOLVED', closed: 'RESOLVED' };
const complaintCategories = { 延误: 'DELAY', 损坏: 'DAMAGE', 货损: 'DAMAGE', 丢失: 'LOSS', 遗失: 'LOSS', 账单: 'BILLING', 费用: 'BILLING', 服务态度: 'SERVICE_ATTITUDE', 其他: 'OTHER' };
const severities = { 低: 'LOW', 中: 'MEDIUM', 高: 'HIGH', 严重: 'CRITICAL', 紧急: 'CRITICAL' };
const industries = { 制造业: 'MANUFACTURING', 制造: 'MANUFACTURING', 零售业: 'RETAIL', 零售: 'RETAIL', 电商: 'E_COMMERCE', 电子商务: 'E_COMMERCE', ecommerce: 'E_COMMERCE', 其他: 'OTHER' };
const customerTypes = { 托运人: 'SHIPPER', 发货人: 'SHIPPER', 货主: 'CARGO_OWNER', 航运公司: 'SHIPPING_LINE', 船公司: 'SHIPPING_LINE', 货代: 'FORWARDER', 货运代理: 'FORWARDER', 代理商: 'AGENT', 代理: 'AGENT' };

/** Value-added services by their Chinese names; anything else is snake_cased (`Cold chain` → cold_chain). */
export const valueAddedServiceNames: Record<string, string> = {
  保险: 'insurance', 仓储: 'warehousing', 报关: 'customs_clearance', 清关: 'customs_clearance', 冷链: 'cold_chain', 门到门: 'door_to_door', 送货上门: 'door_to_door',
};

export const defaultColumns: Record<ImportKind, KindSpec> = {
  orders: {
    eventId,
    customerId,
    orderId: { type: 'text', columns: ['order_id', 'orderId', 'order_no', 'order_number', '订单号', '订单编号'] },
    // Order exports usually list orders only: a missing kind means the order was placed.
    kind: { type: 'enum', columns: ['kind', 'order_kind', 'order_event', 'event_type', 'order_status', '订单状态', '订单类型'], default: 'PLACED', values: orderKinds },
    eventTime: { type: 'time', columns: ['order_time', 'event_time', 'eventTime', 'created_at', 'order_date', 'placed_at', 'timestamp', '下单时间', '订单时间', '创建时间'] },
    amount: { type: 'number', columns: ['amount', 'order_amount', 'total_amount', 'total', '金额', '订单金额'] },
    currency: { type: 'code', columns: ['currency', 'currency_code', '币种', '货币'] },
    serviceLevel: { type: 'enum', columns: ['service_level', 'serviceLevel', 'service_type', '服务等级', '服务类型'], values: serviceLevels },
    valueAddedServices: { type: 'list', optional: true, columns: ['value_added_services', 'valueAddedServices', 'vas', 'services', '增值服务'] },
    weightKg: { type: 'number', optional: true, columns: ['weight_kg', 'weightKg', 'weight', '重量', '重量kg', '重量(kg)'] },
    volumeM3: { type: 'number', optional: true, columns: ['volume_m3', 'volumeM3', 'volume', 'cbm', '体积', '体积(m3)'] },
    originCountry: { type: 'code', columns: originCountry },
    originRegion: { type: 'text', optional: true, columns: ['origin_region', 'origin_province', '始发地区', '始发省份'] },
    destinationCountry: { type: 'code', columns: destinationCountry },
    destinationRegion: { type: 'text', optional: true, columns: ['destination_region', 'dest_region', 'destination_province', '目的地区', '目的省份'] },
    channel: { type: 'text', optional: true, columns: ['channel', 'sales_channel', 'order_channel', '渠道', '下单渠道'] },
  },
  shipments: {
    eventId,
    customerId,
    shipmentId: { type: 'text', columns: ['shipment_id', 'shipmentId', 'waybill_no', 'tracking_no', 'tracking_number', '运单号', '运单编号'] },
    orderId: { type: 'text', optional: true, columns: ['order_id', 'orderId', 'order_no', '订单号', '订单编号'] },
    status: { type: 'enum', columns: ['status', 'shipment_status', '状态', '运输状态'], values: shipmentStatuses },
    transportMode: { type: 'enum', columns: ['transport_mode', 'transportMode', 'mode', '运输方式'], values: transportModes },
    eventTime: { type: 'time', columns: ['event_time', 'eventTime', 'status_time', 'updated_at', 'created_at', 'timestamp', '状态时间', '更新时间', '时间'] },
    promisedDeliveryTime: { type: 'time', optional: true, columns: ['promised_delivery_time', 'promisedDeliveryTime', 'promised_at', 'eta', '承诺送达时间', '预计送达时间'] },
    actualDeliveryTime: { type: 'time', optional: true, columns: ['actual_delivery_time', 'actualDeliveryTime', 'delivered_at', '实际送达时间', '签收时间'] },
    port: { type: 'code', optional: true, columns: ['port', 'port_code', 'unlocode', '港口', '港口代码'] },
    originCountry: { type: 'code', optional: true, columns: originCountry },
    destinationCountry: { type: 'code', optional: true, columns: destinationCountry },
  },
  complaints: {
    eventId,
    customerId,
    complaintId: { type: 'text', columns: ['complaint_id', 'complaintId', 'ticket_id', 'case_id', '投诉编号', '工单号'] },
    action: { type: 'enum', columns: ['action', 'complaint_action', 'complaint_status', 'status', '处理状态', '状态'], values: complaintActions },
    category: { type: 'enum', columns: ['category', 'complaint_category', 'complaint_type', '投诉类型', '投诉类别'], values: complaintCategories },
    severity: { type: 'enum', columns: ['severity', 'priority', 'level', '严重程度', '等级'], values: severities },
    eventTime: { type: 'time', columns: ['event_time', 'eventTime', 'complaint_time', 'updated_at', 'created_at', 'timestamp', '投诉时间', '更新时间', '时间'] },
    shipmentId: { type: 'text', optional: true, columns: ['shipment_id', 'shipmentId', 'waybill_no', 'tracking_no', '运单号'] },
    satisfactionScore: { type: 'number', optional: true, columns: ['satisfaction_score', 'satisfactionScore', 'satisfaction', 'csat', '满意度'] },
    npsScore: { type: 'number', optional: true, columns: ['nps_score', 'npsScore', 'nps', '净推荐值'] },
  },
  profiles: {
    eventId,
    customerId,
    // A CRM snapshot often has no change time: the profile then counts from the sign-up, so a
    // replayed history knows the customer's industry from its first order on.
    eventTime: { type: 'time', columns: ['event_time', 'eventTime', 'updated_at', 'modified_at', '更新时间', '修改时间'], fallback: 'signedUpAt' },
    industry: { type: 'enum', columns: ['industry', '行业'], values: industries },
    customerType: { type: 'enum', columns: ['customer_type', 'customerType', '客户类型'], values: customerTypes },
    country: { type: 'code', columns: ['country', 'country_code', '国家', '国家代码'] },
    region: { type: 'text', optional: true, columns: ['region', 'province', '地区', '区域', '省份'] },
    accountManager: { type: 'text', optional: true, columns: ['account_manager', 'accountManager', 'sales_rep', '客户经理'] },
    signedUpAt: { type: 'time', columns: ['signed_up_at', 'signedUpAt', 'signup_date', 'registered_at', 'created_at', '注册时间', '签约日期', '开户时间'] },
  },
};

/** The loose form header names are compared in. */
export const columnKey = (name: string) => name.normalize('NFKC').toLowerCase().replace(/[\s_\-.]+/g, '');
