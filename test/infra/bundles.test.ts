// Every function's bundle, built as it is deployed (infra/bundling.ts), in one esbuild run. The size budget is asserted
// here because it is deterministic; import time is measured by bench/bundles.ts and written down in BENCHMARKS.md, and
// checked here only against a ceiling no machine should reach, so the suite cannot flake on a busy one.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { boundVariables, environment, type FunctionName, functions } from '../../functions/manifest';
import {
  type BundleRun,
  bundleFunctions,
  credentialSourcesLeftOut,
  type FunctionBundle,
  importInFreshProcess,
  lambdaBundling,
  lambdaEsbuildOptions,
  lambdaLikeEnv,
} from '../../infra/bundling';

const run$ = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const BUDGET_BYTES = 400 * 1024;
/** Over ten times what an import takes (BENCHMARKS.md): a guard against a pathological bundle, not a budget. */
const IMPORT_CEILING_MS = 1000;

let outdir: string;
let run: BundleRun;

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'bundles-test-'));
  run = await bundleFunctions(outdir);
}, 60_000);

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

const bundle = (name: FunctionName): FunctionBundle => {
  const found = run.bundles.find((b) => b.name === name);
  if (!found) throw new Error(`No bundle for ${name}`);
  return found;
};

const inputsUnder = (b: FunctionBundle, prefix: string): string[] =>
  Object.keys(b.inputs).filter((path) => path.startsWith(prefix));

const names = Object.keys(functions) as FunctionName[];

/** Runs `work` on every item, two at a time, on two cores; bench/bundles.ts measures imports one at a time. */
const twoAtATime = async <T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const queue = [...items];
  const results: R[] = [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) results.push(await work(next));
  };
  await Promise.all([worker(), worker()]);
  return results;
};
const usesDynamo = names.filter((name) => Object.keys(functions[name].tables).length > 0);

describe('Lambda bundles', () => {
  it('bundles every function of the manifest, without a warning', () => {
    expect(run.bundles.map((b) => b.name)).toEqual(names);
    expect(run.warnings.map((w) => w.text)).toEqual([]);
  });

  it.each(names)('keeps %s within 400 KB, source map excluded', (name) => {
    expect(bundle(name).bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it.each(names)(
    'imports only Node.js built-ins at run time from %s: the AWS SDK and every package are inside',
    (name) => {
      const external = bundle(name)
        .imports.filter((i) => i.external)
        .map((i) => i.path);
      expect(external.filter((path) => !isBuiltin(path))).toEqual([]);
    },
  );

  it('bundles the pinned AWS SDK into every function that uses DynamoDB', () => {
    expect(usesDynamo.length).toBeGreaterThan(0);
    const withoutSdk = usesDynamo.filter(
      (name) => inputsUnder(bundle(name), 'node_modules/@aws-sdk/client-dynamodb/').length === 0,
    );
    expect(withoutSdk).toEqual([]);
  });

  it.each(names)("takes zod/mini only into %s: never the classic API, zod 3 or zod's locales", (name) => {
    const prefixes = ['node_modules/zod/v4/classic/', 'node_modules/zod/v4/locales/', 'node_modules/zod/v3/'];
    expect(prefixes.flatMap((prefix) => inputsUnder(bundle(name), prefix))).toEqual([]);
  });

  it('leaves out the credential sources a Lambda never uses, with the STS, SSO and Signin clients they bring', () => {
    const leftOut = [
      ...Object.keys(credentialSourcesLeftOut),
      '@aws-sdk/credential-provider-login',
      '@aws-sdk/token-providers',
      '@aws-sdk/nested-clients',
      'fast-xml-parser',
    ].map((pkg) => `node_modules/${pkg}/`);
    const found = run.bundles.flatMap((b) => leftOut.flatMap((prefix) => inputsUnder(b, prefix)));
    expect(found).toEqual([]);
  });

  it('imports each bundle in a fresh Node.js process, well under a generous ceiling, and finds its handler', async () => {
    const timings = await twoAtATime(run.bundles, async (next) => ({
      name: next.name,
      importMs: (await importInFreshProcess(next.file)).importMs,
    }));
    expect(timings).toHaveLength(names.length);
    expect(timings.filter((t) => t.importMs > IMPORT_CEILING_MS)).toEqual([]);
  }, 120_000);

  it('starts each function with just the variables the manifest binds it to, and refuses to start without one', async () => {
    const bindable = new Set(names.flatMap((name) => boundVariables(functions[name])));
    // What the function's construct sets: its name, and of the bindable variables only its own.
    const envOf = (name: FunctionName, without?: string): Record<string, string> => ({
      ...Object.fromEntries(
        Object.entries(lambdaLikeEnv()).filter(
          ([variable]) =>
            variable !== without && (!bindable.has(variable) || boundVariables(functions[name]).includes(variable)),
        ),
      ),
      [environment.functionName]: name,
    });
    const outcome = (file: string, env: Record<string, string>) =>
      importInFreshProcess(file, env).then(
        () => 'started',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );

    const results = await twoAtATime(run.bundles, async ({ name, file }) => {
      const [first] = boundVariables(functions[name]);
      return {
        name,
        bound: await outcome(file, envOf(name)),
        missing: first === undefined ? undefined : { first, outcome: await outcome(file, envOf(name, first)) },
      };
    });

    expect(results.filter((result) => result.bound !== 'started')).toEqual([]);
    const refused = results.flatMap(({ name, missing }) => (missing ? [{ name, ...missing }] : []));
    expect(refused.length).toBeGreaterThan(20);
    for (const { name, first, outcome: message } of refused) {
      expect([name, message]).toEqual([name, expect.stringContaining(`Function ${name} is bound to ${first}`)]);
    }
  }, 120_000);
});

describe('the credential chain of a bundled SDK client', () => {
  // A DynamoDB client bundled as the functions are, asked for its credentials in a fresh process.
  const probe = `
    import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
    const client = new DynamoDBClient({});
    try {
      const { accessKeyId } = await client.config.credentials();
      console.log(JSON.stringify({ accessKeyId }));
    } catch (error) {
      console.log(JSON.stringify({ error: error.message }));
    }
  `;
  let probeFile: string;

  beforeAll(async () => {
    probeFile = join(outdir, 'credentials-probe.mjs');
    await build({
      ...lambdaEsbuildOptions,
      stdin: { contents: probe, resolveDir: projectRoot, sourcefile: 'credentials-probe.ts', loader: 'ts' },
      outfile: probeFile,
      sourcemap: false,
      logLevel: 'silent',
    });
  }, 60_000);

  const credentialsWith = async (env: Record<string, string>): Promise<unknown> => {
    const { stdout } = await run$(process.execPath, [probeFile], { env, timeout: 30_000 });
    return JSON.parse(stdout);
  };

  it('reads the credentials Lambda puts in the environment', async () => {
    await expect(credentialsWith(lambdaLikeEnv())).resolves.toEqual({
      accessKeyId: lambdaLikeEnv().AWS_ACCESS_KEY_ID,
    });
  });

  it('goes past the sources left out to the end of the chain when there are none', async () => {
    // A profile skips the environment link and sends the chain through the stand-ins for files, processes and web
    // identity; with the instance metadata service disabled, it ends as the SDK's own chain does.
    const credentialVars = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
    const withoutCredentials = {
      ...Object.fromEntries(Object.entries(lambdaLikeEnv()).filter(([name]) => !credentialVars.includes(name))),
      AWS_PROFILE: 'nobody',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: outdir,
    };
    await expect(credentialsWith(withoutCredentials)).resolves.toEqual({
      error: 'Could not load credentials from any providers',
    });
  });
});

describe('the CDK and the esbuild API bundle alike', () => {
  it('gives NodejsFunction the same options the test and the benchmark build with', () => {
    expect(lambdaBundling).toMatchObject({
      format: lambdaEsbuildOptions.format,
      target: lambdaEsbuildOptions.target,
      mainFields: lambdaEsbuildOptions.mainFields,
      minify: lambdaEsbuildOptions.minify,
      sourceMap: lambdaEsbuildOptions.sourcemap,
      sourcesContent: lambdaEsbuildOptions.sourcesContent,
      externalModules: lambdaEsbuildOptions.external,
      banner: lambdaEsbuildOptions.banner.js,
    });
    expect(lambdaBundling.define).toBeUndefined();
    expect(lambdaBundling.esbuildArgs).toEqual(
      Object.fromEntries(Object.entries(lambdaEsbuildOptions.alias).map(([pkg, to]) => [`--alias:${pkg}`, to])),
    );
  });

  it('hands the esbuild CLI aliases it can take as one argument each', async () => {
    // NodejsFunction runs `esbuild --alias:<package>=<replacement>`; a replacement must survive that as is.
    const entry = join(outdir, 'alias-probe.ts');
    await writeFile(entry, "export { fromIni } from '@aws-sdk/credential-provider-ini';\n");
    const args = Object.entries(lambdaBundling.esbuildArgs ?? {}).map(([key, value]) => `${key}=${String(value)}`);
    const cli = createRequire(import.meta.url).resolve('esbuild/bin/esbuild');
    const { stdout } = await run$(cli, ['--bundle', entry, '--format=esm', '--platform=node', ...args], {
      cwd: projectRoot,
    });
    expect(stdout).toContain('is left out of Lambda bundles');
  });
});
