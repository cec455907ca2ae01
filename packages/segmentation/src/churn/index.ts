// Churn risk from repeat buying: the BG/NBD model (what it says about a customer's history) and its
// fit to a customer base. Pure functions, no I/O; time is in whatever unit the histories use.
export {
  checkRepeatHistory, expectedPurchases, expectedRepeatPurchases, logLikelihood, probabilityAlive, totalLogLikelihood,
  type BgNbdParams, type RepeatHistory,
} from './bgnbd.ts';
export { fitBgNbd, NEUTRAL_START, type BgNbdFit } from './bgnbd-fit.ts';
export { simulateBgNbd } from './bgnbd-simulate.ts';
export { assessChurn, repeatHistoryOf, SERVICE_SIGNALS, type ChurnAssessment, type ChurnDriver, type ChurnReasonCode, type ChurnSettings, type ServiceSignal } from './churn-risk.ts';
export { ALERT_LEVELS, nextAlertLevel, type AlertBands, type AlertDecision, type AlertLevel } from './alert-level.ts';
