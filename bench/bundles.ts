/**
 * Bundle size and import time of every function: `node --import tsx bench/bundles.ts`.
 *
 * Bundles each function of the manifest with the options it is deployed with (infra/bundling.ts), then imports each
 * bundle in a fresh Node.js process, once to warm the file cache and `RUNS` times measured, and writes a Markdown table
 * into BENCHMARKS.md, replacing the section this script wrote before. Budgets: 400 KB per bundle (the test checks it
 * too) and a median import under 150 ms (only here: a timed assertion in the test suite would flake).
 *
 * `--no-write` prints the table without touching BENCHMARKS.md.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleFunctions, type FunctionBundle, importInFreshProcess } from '../infra/bundling';
import { sectionMarkers, writeSection } from './benchmarks-file';

const RUNS = 5;
const BUDGET_BYTES = 400 * 1024;
const BUDGET_IMPORT_MS = 150;

const markers = sectionMarkers('bench/bundles.ts');

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const ms = (value: number): string => value.toFixed(0);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (index: number): number => sorted[index] ?? Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
};

/** An input's package (`@aws-sdk/client-dynamodb`, `zod`), or the project folder for our own code (`shared`). */
const packageOf = (path: string): string => {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return inModules?.[1] ?? path.split('/')[0] ?? path;
};

/** The three packages (or project folders) that add the most bytes to a bundle, from the metafile. */
const biggestInputs = (bundle: FunctionBundle): string => {
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(bundle.inputs)) {
    const name = packageOf(path);
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage]
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');
};

interface Row {
  bundle: FunctionBundle;
  gzipBytes: number;
  importMs: number[];
  sinceStartMs: number[];
}

const measure = async (bundle: FunctionBundle): Promise<Row> => {
  await importInFreshProcess(bundle.file);
  const importMs: number[] = [];
  const sinceStartMs: number[] = [];
  // One at a time: two children on two cores would measure each other.
  for (let run = 0; run < RUNS; run += 1) {
    const timing = await importInFreshProcess(bundle.file);
    importMs.push(timing.importMs);
    sinceStartMs.push(timing.sinceStartMs);
  }
  return { bundle, gzipBytes: gzipSync(await readFile(bundle.file)).length, importMs, sinceStartMs };
};

const flag = (over: boolean): string => (over ? ' ⚠' : '');

const table = (rows: readonly Row[]): string =>
  [
    '| function | bundle KB | gzip KB | median import ms | max import ms | median ms from process start ' +
      '| biggest inputs (KB) |',
    '| --- | --: | --: | --: | --: | --: | --- |',
    ...rows.map((row) => {
      const medianMs = median(row.importMs);
      return (
        `| ${row.bundle.name} | ${kb(row.bundle.bytes)}${flag(row.bundle.bytes > BUDGET_BYTES)} ` +
        `| ${kb(row.gzipBytes)} | ${ms(medianMs)}${flag(medianMs > BUDGET_IMPORT_MS)} ` +
        `| ${ms(Math.max(...row.importMs))} | ${ms(median(row.sinceStartMs))} | ${biggestInputs(row.bundle)} |`
      );
    }),
  ].join('\n');

const section = (rows: readonly Row[], bundlingMs: number, load: readonly number[]): string => {
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores`;
  const biggest = Math.max(...rows.map((row) => row.bundle.bytes));
  const slowest = Math.max(...rows.map((row) => median(row.importMs)));
  const over = rows.filter((row) => row.bundle.bytes > BUDGET_BYTES || median(row.importMs) > BUDGET_IMPORT_MS);
  return [
    markers.start,
    `## Lambda bundles: ${date}, Node.js ${process.version}, ${machine}`,
    '',
    'Written by `node --import tsx bench/bundles.ts`. Every function bundled with infra/bundling.ts (one esbuild ' +
      `run: ${(bundlingMs / 1000).toFixed(1)} s), then imported in a fresh \`node --enable-source-maps\` process ` +
      `with dummy Lambda environment variables, once to warm up and ${RUNS} times measured. Import ms is ` +
      '`await import(bundle)` timed inside the child; "from process start" adds Node.js start-up. KB are 1024 bytes; ' +
      'bundle KB is the `.mjs` without its source map; biggest inputs are summed by package from the metafile. ' +
      'Lambda runs Node.js 22 on arm64, so these figures compare bundles with each other, not with a cold start. ' +
      `One-minute load average at the start and at the end: ${load.map((l) => l.toFixed(1)).join(' and ')} ` +
      '(other work on the machine slows imports down).',
    '',
    `Budgets: ${BUDGET_BYTES / 1024} KB per bundle (also asserted by test/infra/bundles.test.ts) and a median import ` +
      `under ${BUDGET_IMPORT_MS} ms (⚠ marks a figure over it). Largest bundle ${kb(biggest)} KB, slowest median ` +
      `import ${ms(slowest)} ms: ${over.length === 0 ? 'all within budget' : `${over.length} over budget`}.`,
    '',
    table(rows),
    markers.end,
  ].join('\n');
};

const main = async (): Promise<void> => {
  const outdir = await mkdtemp(join(tmpdir(), 'bundles-bench-'));
  try {
    const run = await bundleFunctions(outdir);
    for (const warning of run.warnings) console.warn(`esbuild: ${warning.text}`);
    const loadBefore = loadavg()[0] ?? 0;
    const rows: Row[] = [];
    for (const bundle of run.bundles) {
      rows.push(await measure(bundle));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const newSection = section(rows, run.ms, [loadBefore, loadavg()[0] ?? 0]);
    console.log(newSection);
    if (!process.argv.includes('--no-write')) {
      console.log(`\nWritten to ${await writeSection(markers, newSection)}`);
    }
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
};

await main();
