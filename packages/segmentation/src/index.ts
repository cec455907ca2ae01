export * from './customer-state.ts';
export type { BusinessCalendar } from './features/buckets.ts';
export { calendarFor, FEATURE_NAMES, featureValues, profileAttributes, type CustomerFeatures } from './features/customer-features.ts';
export { classifyRecord, emptyRecord, type CustomerRecord, type Membership } from './features/feature-record.ts';
export { decodeRecord, encodeRecord } from './features/state-codec.ts';
export { nextEvaluationTime } from './features/next-evaluation.ts';
export {
  CHURN_ALERT_KEY,
  customerValues,
  evaluateCustomer,
  SNAPSHOT_KEY,
  type CustomerOutputs,
  type EvaluationCause,
  type Evaluated,
} from './rules/engine.ts';
export {
  compileRules,
  DIMENSIONS,
  POPULATION_SCOPES,
  populationAuto,
  populationScope,
  RulesError,
  versionOf,
  type CompiledRules,
  type PopulationScope,
  type PopulationSettings,
  type RulesFile,
} from './rules/rules-file.ts';
export {
  populationThresholds,
  quantile,
  withPopulationThresholds,
  type PopulationCounts,
  type PopulationCustomer,
  type PopulationThresholds,
  type RfmCutPoints,
} from './rules/population.ts';
export * from './churn/index.ts';
export { rulesWithChurnFit } from './rules/churn-rules.ts';
export * from './value/gamma-gamma.ts';
export * from './value/customer-value.ts';
export { VALUE_FEATURES, type ValueRules } from './rules/value-rules.ts';
export {
  FIT_MIN_ORDERS,
  fitOrderValues,
  orderValueHistory,
  withOrderValueFit,
  type OrderValueFit,
  type OrderValueFitResult,
} from './rules/value-fit.ts';
export { structureReason, type StructuredReason } from './rules/reason-structure.ts';
