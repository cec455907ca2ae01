// Test-only: the crash test lands SIGKILLs exactly where they hurt most, between the state write and
// the produce, and between the produce and the offset commit, besides the kills it times from the
// outside. SEGMENTER_FAULT=<point>:<n> makes the segmenter kill its own process the n-th time it
// reaches that point; unset in every real deployment.

export const FAULT_POINTS = ['state_written', 'produced'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export interface FaultSetting {
  point: FaultPoint;
  /** The how-manieth time the point is reached. */
  after: number;
}

/** Parses `state_written:3`; undefined for an unset setting. */
export function parseFault(spec: string | undefined): FaultSetting | undefined {
  if (spec === undefined || spec === '') return undefined;
  const [point, after] = spec.split(':');
  if (!FAULT_POINTS.includes(point as FaultPoint) || !/^[1-9]\d*$/.test(after ?? ''))
    throw new RangeError(`not a fault point: ${spec} (give ${FAULT_POINTS.join(' or ')}:<n>)`);
  return { point: point as FaultPoint, after: Number(after) };
}

/** Called at each point; kills the process (SIGKILL: no cleanup, as a power cut) when the setting says so. */
export function faultPoints(
  setting: FaultSetting | undefined,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): (point: FaultPoint) => void {
  let reached = 0;
  return (point) => {
    if (setting === undefined || point !== setting.point) return;
    if (++reached === setting.after) kill();
  };
}
