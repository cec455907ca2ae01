import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GroundTruth } from './simulation.ts';

/** One JSON object per line, in customer order: the same simulation gives the same bytes. */
export function groundTruthLines(truth: readonly GroundTruth[]): string {
  return truth.map((line) => JSON.stringify(line) + '\n').join('');
}

/** Writes the file whole or not at all (through a temporary file), so a crash never leaves half of it. */
export function writeGroundTruth(path: string, truth: readonly GroundTruth[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, groundTruthLines(truth));
  renameSync(temporary, path);
}
