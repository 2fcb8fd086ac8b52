/**
 * The one definition of how a Lambda is bundled. NodejsFunction runs the esbuild CLI with `lambdaBundling`
 * (infra/constructs/function.ts); the bundle test and the benchmark run esbuild's JS API with `lambdaEsbuildOptions`.
 * Both are built from the constants below, so what is measured is what is deployed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions, Message, Metafile } from 'esbuild';
import { environment, type FunctionName, functions, queues } from '../functions/manifest';
import { tables } from '../shared/adapters/tables';

/** Lambda's Node.js 22 runtime (infra/constructs/function.ts). */
const target = 'node22';

/** ESM builds of dependencies first: the AWS SDK's `module` build is smaller and loads faster than its CommonJS one. */
const mainFields = ['module', 'main'];

/** ESM bundles have no `require`; CommonJS dependencies that call it get one bound to the bundle's location. */
const requireBanner = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Bundle the SDK too: the runtime's copy is whatever AWS ships that week, ours is the version the tests ran. */
const external: string[] = [];

/**
 * Links of the AWS SDK's default credential chain that a Lambda never reaches, by package and the one export the chain
 * takes from it. Lambda hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, which the chain's first link (`fromEnv`) reads. The chain `import()`s the other links only when
 * that fails, but esbuild bundles them all the same, and with them the nested STS, SSO, SSO-OIDC and Signin clients and
 * an XML parser: ~150 KB of every function that uses the SDK, parsed at every cold start.
 */
export const credentialSourcesLeftOut = {
  '@aws-sdk/credential-provider-sso': 'fromSSO',
  '@aws-sdk/credential-provider-ini': 'fromIni',
  '@aws-sdk/credential-provider-process': 'fromProcess',
  '@aws-sdk/credential-provider-web-identity': 'fromTokenFile',
} as const;

/**
 * What such a package is replaced with: a module whose provider fails like a source that is not configured (a
 * `CredentialsProviderError` with `tryNextLink`), so the chain goes on to its container and instance-metadata links
 * (still bundled) and ends with the SDK's own "Could not load credentials from any providers". A `data:` URL, because
 * esbuild's `alias` must work from the CLI that NodejsFunction runs, where no plugin can stand in for a package.
 */
const leftOutModule = (pkg: string, provider: string): string => {
  const message = `${pkg} is left out of Lambda bundles (infra/bundling.ts): credentials come from the environment`;
  // `tryNextLink` is what the chain tests to go on to its next link rather than fail.
  const source = [
    `export const ${provider} = () => async () => {`,
    `  const error = new Error(${JSON.stringify(message)});`,
    `  throw Object.assign(error, { name: "CredentialsProviderError", tryNextLink: true });`,
    `};`,
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
};

const alias: Record<string, string> = Object.fromEntries(
  Object.entries(credentialSourcesLeftOut).map(([pkg, provider]) => [pkg, leftOutModule(pkg, provider)]),
);

/**
 * The options of esbuild's JS API that every Lambda is bundled with; add entry points and an output. The project's
 * package.json says `"sideEffects": false`: no module of ours does anything on import that a bundle needs unless it
 * uses one of its exports, so esbuild drops what a function does not use (the manifest imports every route contract,
 * and the processor, which reads only the manifest's queues, carries none of them).
 */
export const lambdaEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target,
  mainFields,
  minify: true,
  sourcemap: true,
  // Stack traces need the mappings, not a copy of every source file inside the bundle.
  sourcesContent: false,
  external,
  banner: { js: requireBanner },
  alias,
} as const satisfies BuildOptions;

/**
 * The same options as NodejsFunction's `bundling` props, from which it builds the esbuild command line (`--bundle`
 * and `--platform=node` it always passes; the output is `index.mjs`). It has no prop for `alias`: `--alias:<package>`
 * goes through `esbuildArgs`, one key per package.
 */
export const lambdaBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target,
  mainFields,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: external,
  banner: requireBanner,
  esbuildArgs: Object.fromEntries(Object.entries(alias).map(([pkg, replacement]) => [`--alias:${pkg}`, replacement])),
};

// Measuring bundles: used by test/infra/bundles.test.ts and bench/bundles.ts, never by the CDK app.

/** The project root: manifest entries are relative to it, and so are the input paths of esbuild's metafile. */
const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export interface FunctionBundle {
  name: FunctionName;
  /** Absolute path of the `.mjs` bundle; its source map is next to it. */
  file: string;
  /** Size of the bundle, source map excluded. */
  bytes: number;
  /** What went into the bundle, by path relative to the project root (`node_modules/zod/v4/mini/schemas.js`). */
  inputs: Metafile['outputs'][string]['inputs'];
  /** What the bundle still imports at run time (`external: true`): Node.js built-ins only. */
  imports: Metafile['outputs'][string]['imports'];
}

export interface BundleRun {
  bundles: FunctionBundle[];
  warnings: Message[];
  /** Wall-clock time of the esbuild run. */
  ms: number;
}

/**
 * Bundles every function of the manifest into `outdir` (`<name>.mjs` and its `.map`) in one esbuild run: each module is
 * parsed once and the bundles are linked in parallel, which is several times faster than a build per function.
 */
export const bundleFunctions = async (outdir: string): Promise<BundleRun> => {
  const { build } = await import('esbuild');
  const names = Object.keys(functions) as FunctionName[];
  const started = performance.now();
  const result = await build({
    ...lambdaEsbuildOptions,
    absWorkingDir: projectRoot,
    entryPoints: Object.fromEntries(names.map((name) => [name, join(projectRoot, functions[name].entry)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    write: true,
    metafile: true,
    logLevel: 'silent',
  });
  const ms = performance.now() - started;
  const outputs = Object.entries(result.metafile.outputs);
  const bundles = names.map((name): FunctionBundle => {
    const entry = functions[name].entry;
    const found = outputs.find(([path, output]) => output.entryPoint === entry && path.endsWith('.mjs'));
    if (!found) throw new Error(`esbuild wrote no bundle for ${entry}`);
    const [path, output] = found;
    return {
      name,
      file: join(projectRoot, path),
      bytes: output.bytes,
      inputs: output.inputs,
      imports: output.imports,
    };
  });
  return { bundles, warnings: result.warnings, ms };
};

/**
 * The environment a bundle is imported in: what Lambda and the function's construct set (dummy credentials, a region,
 * the Powertools settings, source maps on), and every table name and queue URL a function can be bound to, though
 * handlers read those only when they first use them.
 */
export const lambdaLikeEnv = (): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'dummy',
  AWS_LAMBDA_FUNCTION_NAME: 'bundle-import',
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'billing-gateway',
  POWERTOOLS_METRICS_NAMESPACE: 'BillingGateway',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  [environment.stage]: 'dev',
  ...Object.fromEntries(Object.entries(tables).map(([name, table]) => [table.envVar, name])),
  ...Object.fromEntries(
    Object.entries(queues).map(([name, queue]) => [
      queue.envVar,
      `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`,
    ]),
  ),
  [environment.websocketEndpoint]: 'https://ws.example.com/dev',
  [environment.eventBus]: 'billing-gateway-dev',
});

// Runs in the child: times `import()` of the bundle and checks that it exports a handler.
const importer = `
const started = performance.now();
const module = await import(process.argv[1]);
const imported = performance.now();
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ importMs: imported - started, sinceStartMs: imported }));
`;

export interface ImportTiming {
  /** `await import(bundle)`, timed inside the child. */
  importMs: number;
  /** From the child's process start (`performance.timeOrigin`) to the end of the import: Node's start-up included. */
  sinceStartMs: number;
}

/** Imports a bundle in a fresh Node.js process, with `lambdaLikeEnv()` unless told, and answers how long it took. */
export const importInFreshProcess = (file: string, env = lambdaLikeEnv()): Promise<ImportTiming> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', importer, pathToFileURL(file).href],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`Importing ${file} failed: ${stderr || error.message}`));
          return;
        }
        resolve(JSON.parse(stdout) as ImportTiming);
      },
    );
  });
