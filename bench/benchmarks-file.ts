import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';

/** BENCHMARKS.md, where each script of `bench/` keeps its own section between two marker comments. */

const benchmarksFile = new URL('../BENCHMARKS.md', import.meta.url);

/** The markers of a script's section: `<!-- bench/<script>: start -->` and `… end -->`. */
export const sectionMarkers = (script: string) => ({
  start: `<!-- ${script}: start -->`,
  end: `<!-- ${script}: end -->`,
});

/**
 * Replaces (or adds) the section between `markers` in BENCHMARKS.md with `section`, which must begin and end with
 * them, formatted as `prettier --check` expects; answers the file's path.
 */
export const writeSection = async (markers: { start: string; end: string }, section: string): Promise<string> => {
  let current: string;
  try {
    current = await readFile(benchmarksFile, 'utf8');
  } catch {
    current = '# Benchmarks\n\nFigures measured on a development machine by the scripts in `bench/`.\n';
  }
  const start = current.indexOf(markers.start);
  const end = current.indexOf(markers.end);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + markers.end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  const path = benchmarksFile.pathname;
  await writeFile(benchmarksFile, await format(next, { ...(await resolveConfig(path)), filepath: path }));
  return path;
};
