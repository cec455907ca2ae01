export * from './customer-state.ts';
export * from './value-tier.ts';
export { calendarFor, featureValues, profileAttributes, type CustomerFeatures } from './features/customer-features.ts';
export { emptyRecord, type CustomerRecord, type Membership } from './features/feature-record.ts';
export { decodeRecord, encodeRecord } from './features/state-codec.ts';
export { nextEvaluationTime } from './features/next-evaluation.ts';
