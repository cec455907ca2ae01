// Flat with customers (docs/performance.md), in one run: the pipeline's rate on a small log and on a
// large one, one after the other, and their ratio (the target: the large at least 0.7 × the small):
//   pnpm bench:flat [--small 5000x90] [--large 100000x365] [--segmenters 1] [--seed 1]
// Each size is a whole `bench:e2e` run (topics, keys and processes of its own, deleted after), its
// latency step at its shortest (one second after none of warm-up); only the pipeline step's
// events/s are compared, and the cores the segmenters used meanwhile. A year of 100,000 customers is
// about 12 million events: most of an hour on a two-core machine.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseConfig, runCommand } from '@segmentation/runtime';

const E2E_BENCH = join(import.meta.dirname, 'e2e-bench.ts');
const TARGET = 0.7;

const size = z
  .string()
  .regex(/^\d+x\d+$/, 'expected customers x days, e.g. 100000x365')
  .transform((s) => {
    const [customers, days] = s.split('x').map(Number);
    return { customers: customers!, days: days! };
  });

interface PipelineRun {
  customers: number;
  days: number;
  events: number;
  eventsPerSecond: number;
  segmenterCores: number;
}

await runCommand('bench:flat', async () => {
  const { values } = parseArgs({
    options: {
      small: { type: 'string', default: '5000x90' },
      large: { type: 'string', default: '100000x365' },
      segmenters: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
    },
  });
  const opts = parseConfig(
    z.object({ small: size, large: size, segmenters: z.coerce.number().int().min(1), seed: z.coerce.number().int() }),
    values,
  );
  const small = await pipelineRun(opts.small, opts.segmenters, opts.seed);
  const large = await pipelineRun(opts.large, opts.segmenters, opts.seed);
  const ratio = large.eventsPerSecond / small.eventsPerSecond;
  const row = (r: PipelineRun) =>
    `| ${r.customers} × ${r.days} | ${r.events} | ${r.eventsPerSecond} events/s | ${r.segmenterCores} | ${Math.round(r.eventsPerSecond / r.segmenterCores)} |`;
  console.log(`
| log (customers × days) | events | pipeline | segmenter cores | events/s per core |
|---|---|---|---|---|
${row(small)}
${row(large)}

large / small: ${ratio.toFixed(2)} (target ≥ ${TARGET}: ${ratio >= TARGET ? 'met' : 'not met'})`);
  console.log(JSON.stringify({ small, large, ratio: Number(ratio.toFixed(3)), target: TARGET }));
});

/** One `bench:e2e` run of a size; its output passes through, its JSON result is read. */
async function pipelineRun(s: { customers: number; days: number }, segmenters: number, seed: number): Promise<PipelineRun> {
  const args = [
    E2E_BENCH,
    ...['--customers', String(s.customers), '--days', String(s.days), '--segmenters', String(segmenters), '--seed', String(seed)],
    ...['--seconds', '1', '--warmup', '0', '--repeat', '1'],
  ];
  console.log(`bench:e2e ${args.slice(1).join(' ')}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`bench:e2e at ${s.customers} × ${s.days} exited with ${code}`);
  const line = output.split('\n').find((l) => l.startsWith('{"machine"'));
  if (line === undefined) throw new Error(`bench:e2e at ${s.customers} × ${s.days} printed no result line`);
  const result = JSON.parse(line) as { events: number; pipelineEventsPerSecond: number; cpuDuringPipeline: Record<string, number> };
  const segmenterCores = Object.entries(result.cpuDuringPipeline)
    .filter(([name]) => name.startsWith('segmenter'))
    .reduce((sum, [, cores]) => sum + cores, 0);
  return {
    customers: s.customers,
    days: s.days,
    events: result.events,
    eventsPerSecond: result.pipelineEventsPerSecond,
    segmenterCores: Number(segmenterCores.toFixed(2)),
  };
}
