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
  /** Used when the row has no value: a cell text, converted like one. Only from a mapping file for a `meaning` field. */
  default?: string;
  /** Used when the row has no value and no default: the value of another field. */
  fallback?: string;
  /** Cell values (compared case-insensitively) that mean a canonical value. */
  values?: Record<string, string>;
  /**
   * The field says what the event is (an order placed or returned, a shipment delivered or
   * lost): a guessed value would import a return as a new order, so it never has a built-in
   * default, and a row without it is refused unless the mapping file names one.
   */
  meaning?: boolean;
  /**
   * A property of the order, shipment or complaint rather than of one status row: an update row
   * that leaves it out takes it from the earlier row of the same order, shipment or complaint.
   */
  carry?: boolean;
}

export type KindSpec = Record<string, FieldSpec>;

/** The field naming the order, shipment or complaint an event belongs to: what carry-forward follows. */
export const entityField: Record<ImportKind, string | null> = {
  orders: 'orderId',
  shipments: 'shipmentId',
  complaints: 'complaintId',
  profiles: null,
};
/** The field saying what the event is: counted per value in the summary. */
export const meaningField: Record<ImportKind, string | null> = {
  orders: 'kind',
  shipments: 'status',
  complaints: 'action',
  profiles: null,
};

const eventId: FieldSpec = {
  type: 'text',
  optional: true,
  columns: ['event_id', 'eventId', 'event_uuid', 'event_no', '事件编号', '事件ID'],
};
const customerId: FieldSpec = {
  type: 'text',
  columns: [
    'customer_id',
    'customerId',
    'customer_no',
    'customer_number',
    'customer_code',
    'cust_id',
    'cust_no',
    'client_id',
    'client_no',
    'client_code',
    'account_id',
    'account_no',
    '客户编号',
    '客户ID',
    '客户代码',
    '客户编码',
    '客户号',
    '客户账号',
  ],
};
const originCountry = [
  'origin_country',
  'origin_country_code',
  'from_country',
  'ship_from_country',
  'origin',
  '始发国',
  '起运国',
  '发货国',
];
const destinationCountry = [
  'destination_country',
  'destination_country_code',
  'dest_country',
  'to_country',
  'ship_to_country',
  'destination',
  '目的国',
  '收货国',
];
/** When the event happened, in the words exports use for it; each kind puts its own names first. */
const occurred = ['occurred_at', 'occurredAt', 'event_date', 'event_timestamp', 'timestamp', '发生时间', '事件时间', '业务时间'];
/** Generic names of "what happened" columns, after each kind's own: `type` comes last, it is the vaguest. */
const eventType = ['event_type', 'eventType', 'event', '事件类型', 'type', '类型'];

/** Chinese and common English labels of the enum values, besides the canonical names themselves. */
const orderKinds = {
  下单: 'PLACED',
  已下单: 'PLACED',
  新建: 'PLACED',
  新订单: 'PLACED',
  created: 'PLACED',
  create: 'PLACED',
  new: 'PLACED',
  place: 'PLACED',
  order_placed: 'PLACED',
  booked: 'PLACED',
  booking: 'PLACED',
  取消: 'CANCELLED',
  已取消: 'CANCELLED',
  作废: 'CANCELLED',
  撤单: 'CANCELLED',
  canceled: 'CANCELLED',
  cancel: 'CANCELLED',
  cancellation: 'CANCELLED',
  order_cancelled: 'CANCELLED',
  退货: 'RETURNED',
  已退货: 'RETURNED',
  return: 'RETURNED',
  order_returned: 'RETURNED',
};
const serviceLevels = {
  特快: 'EXPRESS',
  加急: 'EXPRESS',
  快件: 'EXPRESS',
  标准: 'STANDARD',
  普通: 'STANDARD',
  经济: 'ECONOMY',
  慢件: 'ECONOMY',
};
const shipmentStatuses = {
  已揽收: 'PICKED_UP',
  揽收: 'PICKED_UP',
  已提货: 'PICKED_UP',
  pickup: 'PICKED_UP',
  picked: 'PICKED_UP',
  collected: 'PICKED_UP',
  运输中: 'IN_TRANSIT',
  在途: 'IN_TRANSIT',
  已发运: 'IN_TRANSIT',
  transit: 'IN_TRANSIT',
  departed: 'IN_TRANSIT',
  shipped: 'IN_TRANSIT',
  已送达: 'DELIVERED',
  已签收: 'DELIVERED',
  签收: 'DELIVERED',
  妥投: 'DELIVERED',
  deliver: 'DELIVERED',
  pod: 'DELIVERED',
  延误: 'DELAYED',
  延迟: 'DELAYED',
  delay: 'DELAYED',
  late: 'DELAYED',
  损坏: 'DAMAGED',
  货损: 'DAMAGED',
  破损: 'DAMAGED',
  damage: 'DAMAGED',
  丢失: 'LOST',
  遗失: 'LOST',
  lose: 'LOST',
  missing: 'LOST',
  退回: 'RETURNED',
  已退回: 'RETURNED',
  退件: 'RETURNED',
  return: 'RETURNED',
  returned_to_sender: 'RETURNED',
  rts: 'RETURNED',
};
const transportModes = {
  公路: 'ROAD',
  陆运: 'ROAD',
  汽运: 'ROAD',
  truck: 'ROAD',
  trucking: 'ROAD',
  lorry: 'ROAD',
  ftl: 'ROAD',
  ltl: 'ROAD',
  road_freight: 'ROAD',
  海运: 'SEA',
  ocean: 'SEA',
  ocean_freight: 'SEA',
  sea_freight: 'SEA',
  fcl: 'SEA',
  lcl: 'SEA',
  空运: 'AIR',
  air_freight: 'AIR',
  铁路: 'RAIL',
  铁运: 'RAIL',
  train: 'RAIL',
  railway: 'RAIL',
  rail_freight: 'RAIL',
};
const complaintActions = {
  新建: 'OPENED',
  已受理: 'OPENED',
  受理: 'OPENED',
  已创建: 'OPENED',
  open: 'OPENED',
  new: 'OPENED',
  created: 'OPENED',
  升级: 'ESCALATED',
  已升级: 'ESCALATED',
  escalate: 'ESCALATED',
  已解决: 'RESOLVED',
  解决: 'RESOLVED',
  已关闭: 'RESOLVED',
  关闭: 'RESOLVED',
  已完结: 'RESOLVED',
  closed: 'RESOLVED',
  close: 'RESOLVED',
  resolve: 'RESOLVED',
  solved: 'RESOLVED',
};
const complaintCategories = {
  延误: 'DELAY',
  时效: 'DELAY',
  损坏: 'DAMAGE',
  货损: 'DAMAGE',
  破损: 'DAMAGE',
  丢失: 'LOSS',
  遗失: 'LOSS',
  lost: 'LOSS',
  账单: 'BILLING',
  费用: 'BILLING',
  invoice: 'BILLING',
  服务态度: 'SERVICE_ATTITUDE',
  attitude: 'SERVICE_ATTITUDE',
  其他: 'OTHER',
};
const severities = {
  低: 'LOW',
  中: 'MEDIUM',
  一般: 'MEDIUM',
  高: 'HIGH',
  严重: 'CRITICAL',
  紧急: 'CRITICAL',
  urgent: 'CRITICAL',
  normal: 'MEDIUM',
};
const industries = {
  制造业: 'MANUFACTURING',
  制造: 'MANUFACTURING',
  零售业: 'RETAIL',
  零售: 'RETAIL',
  电商: 'E_COMMERCE',
  电子商务: 'E_COMMERCE',
  ecommerce: 'E_COMMERCE',
  其他: 'OTHER',
};
const customerTypes = {
  托运人: 'SHIPPER',
  发货人: 'SHIPPER',
  货主: 'CARGO_OWNER',
  航运公司: 'SHIPPING_LINE',
  船公司: 'SHIPPING_LINE',
  carrier: 'SHIPPING_LINE',
  货代: 'FORWARDER',
  货运代理: 'FORWARDER',
  freight_forwarder: 'FORWARDER',
  代理商: 'AGENT',
  代理: 'AGENT',
};

/** Value-added services by their Chinese names; anything else is snake_cased (`Cold chain` → cold_chain). */
export const valueAddedServiceNames: Record<string, string> = {
  保险: 'insurance',
  仓储: 'warehousing',
  报关: 'customs_clearance',
  清关: 'customs_clearance',
  冷链: 'cold_chain',
  门到门: 'door_to_door',
  送货上门: 'door_to_door',
};

export const defaultColumns: Record<ImportKind, KindSpec> = {
  orders: {
    eventId,
    customerId,
    orderId: {
      type: 'text',
      columns: [
        'order_id',
        'orderId',
        'order_no',
        'order_number',
        'order_code',
        'booking_no',
        'booking_number',
        'so_no',
        '订单号',
        '订单编号',
        '委托单号',
        '订舱号',
      ],
    },
    // No built-in default: an export whose returns sit in an unknown column would otherwise
    // import every return as a new order. A placed-only export says so in its mapping file.
    kind: {
      type: 'enum',
      meaning: true,
      columns: [
        'kind',
        'order_kind',
        'order_event',
        'order_event_type',
        'order_type',
        'order_status',
        '订单状态',
        '订单类型',
        '订单事件',
        '业务类型',
        ...eventType,
      ],
      values: orderKinds,
    },
    eventTime: {
      type: 'time',
      columns: [
        'order_time',
        'event_time',
        'eventTime',
        'created_at',
        'order_date',
        'placed_at',
        'create_time',
        'created_time',
        ...occurred,
        '下单时间',
        '下单日期',
        '订单时间',
        '创建时间',
      ],
    },
    amount: {
      type: 'number',
      carry: true,
      columns: ['amount', 'order_amount', 'total_amount', 'total', 'order_value', '金额', '订单金额', '总金额'],
    },
    currency: { type: 'code', carry: true, columns: ['currency', 'currency_code', 'ccy', '币种', '货币'] },
    serviceLevel: {
      type: 'enum',
      carry: true,
      columns: ['service_level', 'serviceLevel', 'service_type', '服务等级', '服务类型', '产品类型'],
      values: serviceLevels,
    },
    valueAddedServices: {
      type: 'list',
      optional: true,
      columns: ['value_added_services', 'valueAddedServices', 'vas', 'services', 'extra_services', '增值服务', '附加服务'],
    },
    weightKg: {
      type: 'number',
      optional: true,
      columns: ['weight_kg', 'weightKg', 'weight', 'gross_weight', '重量', '毛重', '重量kg', '重量(kg)'],
    },
    volumeM3: { type: 'number', optional: true, columns: ['volume_m3', 'volumeM3', 'volume', 'cbm', '体积', '方数', '体积(m3)'] },
    originCountry: { type: 'code', carry: true, columns: originCountry },
    originRegion: { type: 'text', optional: true, carry: true, columns: ['origin_region', 'origin_province', '始发地区', '始发省份'] },
    destinationCountry: { type: 'code', carry: true, columns: destinationCountry },
    destinationRegion: {
      type: 'text',
      optional: true,
      carry: true,
      columns: ['destination_region', 'dest_region', 'destination_province', '目的地区', '目的省份'],
    },
    channel: { type: 'text', optional: true, carry: true, columns: ['channel', 'sales_channel', 'order_channel', '渠道', '下单渠道'] },
  },
  shipments: {
    eventId,
    customerId,
    shipmentId: {
      type: 'text',
      columns: [
        'shipment_id',
        'shipmentId',
        'shipment_no',
        'waybill_no',
        'waybill_number',
        'tracking_no',
        'tracking_number',
        'awb',
        'bl_no',
        '运单号',
        '运单编号',
        '提单号',
      ],
    },
    orderId: {
      type: 'text',
      optional: true,
      carry: true,
      columns: ['order_id', 'orderId', 'order_no', 'booking_no', '订单号', '订单编号'],
    },
    status: {
      type: 'enum',
      meaning: true,
      columns: [
        'status',
        'shipment_status',
        'tracking_status',
        'milestone',
        '状态',
        '运输状态',
        '物流状态',
        '轨迹状态',
        '节点',
        ...eventType,
      ],
      values: shipmentStatuses,
    },
    transportMode: {
      type: 'enum',
      carry: true,
      columns: ['transport_mode', 'transportMode', 'mode', 'shipping_mode', 'mode_of_transport', 'transport_type', '运输方式', '运输类型'],
      values: transportModes,
    },
    eventTime: {
      type: 'time',
      columns: ['event_time', 'eventTime', 'status_time', ...occurred, 'updated_at', 'created_at', '状态时间', '更新时间', '时间'],
    },
    promisedDeliveryTime: {
      type: 'time',
      optional: true,
      carry: true,
      columns: [
        'promised_delivery_time',
        'promisedDeliveryTime',
        'promised_at',
        'promised_date',
        'promised_delivery_date',
        'due_date',
        'expected_delivery_time',
        'eta',
        '承诺送达时间',
        '预计送达时间',
        '要求送达时间',
      ],
    },
    actualDeliveryTime: {
      type: 'time',
      optional: true,
      columns: [
        'actual_delivery_time',
        'actualDeliveryTime',
        'delivered_at',
        'delivery_time',
        'pod_time',
        'signed_at',
        '实际送达时间',
        '送达时间',
        '签收时间',
      ],
    },
    port: {
      type: 'code',
      optional: true,
      carry: true,
      columns: ['port', 'port_code', 'unlocode', 'pol', 'port_of_loading', '港口', '港口代码', '起运港', '装货港'],
    },
    originCountry: { type: 'code', optional: true, carry: true, columns: originCountry },
    destinationCountry: { type: 'code', optional: true, carry: true, columns: destinationCountry },
  },
  complaints: {
    eventId,
    customerId,
    complaintId: {
      type: 'text',
      columns: [
        'complaint_id',
        'complaintId',
        'complaint_no',
        'ticket_id',
        'ticket_no',
        'case_id',
        'case_no',
        '投诉编号',
        '投诉单号',
        '工单号',
        '工单编号',
      ],
    },
    action: {
      type: 'enum',
      meaning: true,
      columns: [
        'action',
        'complaint_action',
        'complaint_status',
        'ticket_status',
        'case_status',
        'status',
        '处理状态',
        '工单状态',
        '状态',
        ...eventType,
      ],
      values: complaintActions,
    },
    category: {
      type: 'enum',
      carry: true,
      columns: [
        'category',
        'complaint_category',
        'complaint_type',
        'issue_type',
        'reason',
        'complaint_reason',
        '投诉类型',
        '投诉类别',
        '投诉原因',
        '问题类型',
      ],
      values: complaintCategories,
    },
    severity: {
      type: 'enum',
      carry: true,
      columns: ['severity', 'priority', 'level', 'urgency', '严重程度', '紧急程度', '优先级', '等级'],
      values: severities,
    },
    eventTime: {
      type: 'time',
      columns: [
        'event_time',
        'eventTime',
        'complaint_time',
        ...occurred,
        'updated_at',
        'created_at',
        'opened_at',
        '投诉时间',
        '更新时间',
        '处理时间',
        '时间',
      ],
    },
    shipmentId: {
      type: 'text',
      optional: true,
      carry: true,
      columns: ['shipment_id', 'shipmentId', 'waybill_no', 'tracking_no', '运单号'],
    },
    satisfactionScore: {
      type: 'number',
      optional: true,
      columns: ['satisfaction_score', 'satisfactionScore', 'satisfaction', 'csat', 'rating', '满意度', '满意度评分'],
    },
    npsScore: { type: 'number', optional: true, columns: ['nps_score', 'npsScore', 'nps', '净推荐值'] },
  },
  profiles: {
    eventId,
    customerId,
    // A CRM snapshot often has no change time: the profile then counts from the sign-up, so a
    // replayed history knows the customer's industry from its first order on.
    eventTime: {
      type: 'time',
      columns: [
        'event_time',
        'eventTime',
        'updated_at',
        'modified_at',
        'last_modified',
        'update_time',
        'occurred_at',
        '更新时间',
        '修改时间',
      ],
      fallback: 'signedUpAt',
    },
    industry: { type: 'enum', columns: ['industry', 'industry_code', 'sector', '行业', '所属行业'], values: industries },
    customerType: {
      type: 'enum',
      columns: ['customer_type', 'customerType', 'client_type', 'account_type', '客户类型', '客户类别'],
      values: customerTypes,
    },
    country: { type: 'code', columns: ['country', 'country_code', '国家', '国家代码'] },
    region: { type: 'text', optional: true, columns: ['region', 'province', '地区', '区域', '省份'] },
    accountManager: {
      type: 'text',
      optional: true,
      columns: ['account_manager', 'accountManager', 'sales_rep', 'sales_owner', 'owner', '客户经理', '销售', '负责人'],
    },
    signedUpAt: {
      type: 'time',
      columns: [
        'signed_up_at',
        'signedUpAt',
        'signup_date',
        'signup_at',
        'registered_at',
        'contract_date',
        'created_at',
        '注册时间',
        '签约日期',
        '开户时间',
        '建档时间',
      ],
    },
  },
};

/** The loose form header names are compared in. */
export const columnKey = (name: string) =>
  name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.]+/g, '');
