/**
 * How every Lambda function of wa-fleet is bundled and started, defined once: the CDK construct
 * (constructs/wa-function.ts) bundles its asset with `bundleLambdaSync`, and the cold-start benchmark
 * (bench/scenarios/api-bundle.ts) builds with the same `lambdaBuildOptions` and starts its processes with the
 * same NODE_OPTIONS, so the bench measures exactly what is deployed.
 *
 * Minified ESM for Node 22 with the require banner and source maps without sources. Two choices are about
 * cold start (issue 9, target 7):
 * - The AWS SDK is bundled (tree-shaken, minified) instead of loaded from the runtime's copy: importing the
 *   few clients a function uses from its bundle is several times cheaper than resolving and evaluating the
 *   runtime's separate SDK packages (AWS's own advice for SDK v3), and the deployed SDK is the version the
 *   lockfile pins and the tests ran against.
 * - Code splitting: `index.mjs` holds what every request needs; modules a handler loads with `import()` only
 *   when it needs them (the OpenAPI generator, QR rendering, phone-number metadata, campaign use-cases) go to
 *   `chunks/`, which Node parses only when a request first uses them.
 */
import * as path from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { ESM_REQUIRE_BANNER } from './esm-banner.ts';

export const LAMBDA_BUNDLE = {
  target: 'node22',
  /** The handler file in the asset: `index.handler`. */
  entryFile: 'index.mjs',
  /** Where the lazily loaded chunks go, inside the asset. */
  chunkDir: 'chunks',
  /** Nothing is left to the runtime: the AWS SDK is bundled with everything else. */
  externalModules: [] as readonly string[],
} as const;

/** NODE_OPTIONS of every function (the construct sets it; the bench starts its cold processes with it). */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** esbuild options for one function: `entry` (relative to the project root) into `outdir`. */
export function lambdaBuildOptions(projectRoot: string, entry: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: { index: path.join(projectRoot, entry) },
    outdir,
    chunkNames: `${LAMBDA_BUNDLE.chunkDir}/[name]-[hash]`,
    // `.mjs` everywhere: the asset has no package.json saying "type": "module".
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLE.target,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    external: [...LAMBDA_BUNDLE.externalModules],
    tsconfig: path.join(projectRoot, 'tsconfig.json'),
    logLevel: 'warning',
  };
}

/** Bundles one function synchronously (CDK's local bundling is synchronous). */
export function bundleLambdaSync(projectRoot: string, entry: string, outdir: string): void {
  buildSync(lambdaBuildOptions(projectRoot, entry, outdir));
}
