/**
 * `npm run console:build`: the operator console, a static web app, bundled by esbuild into `dist/console/`
 * (index.html, app.js, app.css). `npm start` serves that folder at `/console/`; the CDK app uploads it to the
 * console's bucket. The console reads its WebSocket URL from `config.json` beside it, which each of them serves.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CONSOLE_SOURCE = join(ROOT, 'console');
export const CONSOLE_OUTPUT = join(ROOT, 'dist', 'console');

/** Synchronous, so that a CDK asset can build it while the app is synthesized. */
export const buildConsole = (outdir: string = CONSOLE_OUTPUT): void => {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: { app: join(CONSOLE_SOURCE, 'src', 'main.tsx') },
    outdir,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(join(CONSOLE_SOURCE, 'index.html'), join(outdir, 'index.html'));
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildConsole();
  console.log(`Operator console built into ${CONSOLE_OUTPUT}`);
}
