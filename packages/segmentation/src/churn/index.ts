// Churn risk from repeat buying: the BG/NBD model (what it says about a customer's history) and its
// fit to a customer base. Pure functions, no I/O; time is in whatever unit the histories use.
export {
  checkRepeatHistory,
  expectedPurchases,
  expectedRepeatPurchases,
  logLikelihood,
  probabilityAlive,
  totalLogLikelihood,
  type BgNbdParams,
  type RepeatHistory,
} from './bgnbd.ts';
export { fitBgNbd, NEUTRAL_START, type BgNbdFit } from './bgnbd-fit.ts';
export { simulateBgNbd } from './bgnbd-simulate.ts';
export {
  cadenceBase,
  effectiveDays,
  rateOf,
  silenceAt,
  type CadenceBase,
  type CadencePrior,
  type CadenceSettings,
  type Lull,
  type Silence,
} from './cadence.ts';
export {
  assessChurn,
  churnHorizonDays,
  churnInputs,
  linearScore,
  MODEL_SIGNALS,
  ORDERING_CAUSES,
  p90GapOf,
  timeRiskReaches,
  usualGapDays,
  type ChurnAssessment,
  type ChurnDriver,
  type ChurnHorizon,
  type ChurnInputs,
  type ChurnModel,
  type ChurnReasonCode,
  type ModelSignal,
  type SignalValues,
} from './churn-model.ts';
export {
  ALERT_LEVELS,
  stepEpisode,
  type AlertBands,
  type AlertLevel,
  type EpisodeSettings,
  type EpisodeState,
  type EpisodeStep,
} from './alert-episode.ts';
export { fitCadencePrior, nbdLogLikelihood, type ExposureSample, type PriorFit } from './cadence-prior-fit.ts';
export { areaUnderCurve, calibrationByDecile, fitLogistic, logLoss, type CalibrationBin, type LogisticFit } from './logistic-fit.ts';
