import { count } from './progress.ts';
import { recordKinds } from './records.ts';
import type { SimulatorRun } from './run.ts';

/** What the run did, for people: events by kind, elapsed time and rate. */
export function formatSummary(run: SimulatorRun): string {
  if (run.skipped !== undefined) return `simulator (${run.mode}): ${run.skipped}`;
  const r = run.report;
  const seconds = run.elapsedMs / 1000;
  const target = run.mode === 'fast' ? run.customerEventsTopic : 'the source topics';
  const lines = [
    `simulator (${run.mode}, from ${run.start}): ${count(r.total)} events written to ${target} in ${seconds.toFixed(1)} s, ${count(seconds > 0 ? r.total / seconds : 0)} events/s`,
    `  ${recordKinds.map((k) => `${k}s ${count(r.written[k])}`).join(' · ')}`,
    `  simulated days: ${r.daysSimulated}`,
    `  ground truth: ${run.groundTruthPath}`,
  ];
  if (r.invalid > 0) {
    lines.push(
      `  ${count(r.invalid)} generated records failed validation and were NOT written (a simulator bug): ${JSON.stringify(r.invalidByReason)}`,
    );
    for (const sample of r.invalidSamples) lines.push(`    ${sample}`);
  }
  return lines.join('\n');
}

/** The same, for scripts and tests. */
export function jsonSummary(run: SimulatorRun): string {
  return JSON.stringify({ ...run, eventsPerSecond: run.elapsedMs > 0 ? run.report.total / (run.elapsedMs / 1000) : 0 });
}
