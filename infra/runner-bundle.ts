/**
 * Bundles the socket runner (socket-runner/main.ts) into one ESM file with esbuild, for the container image:
 * the runtime stage then needs no node_modules at all (small image, fast start, nothing to `npm ci` twice).
 * Run by socket-runner/Dockerfile's build stage (`npx tsx infra/runner-bundle.ts dist`) and by the infra
 * tests, so the image and the tests bundle the same way.
 *
 * Baileys loads a few optional packages with dynamic `import()` inside try/catch (sharp/jimp for
 * thumbnails, link-preview-js, audio-decode). They are left external and absent: Baileys degrades (no
 * generated thumbnails or link previews) instead of failing. Everything else, including Baileys' inlined
 * WASM bridge, is bundled.
 */
import * as path from 'node:path';
import { build, type BuildResult } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { ESM_REQUIRE_BANNER } from './esm-banner.ts';

/** Optional Baileys peers, imported dynamically and guarded: not shipped. */
export const RUNNER_OPTIONAL_EXTERNALS = ['sharp', 'jimp', 'link-preview-js', 'audio-decode'];

export interface RunnerBundleOptions {
  /** Repository root (holds socket-runner/ and core/). */
  readonly projectRoot: string;
  /** Output directory; the bundle is `main.mjs` (+ `main.mjs.map`). */
  readonly outdir: string;
  /** Entry relative to the project root. */
  readonly entry?: string;
}

export async function bundleRunner(options: RunnerBundleOptions): Promise<BuildResult> {
  return build({
    absWorkingDir: options.projectRoot,
    entryPoints: [path.join(options.projectRoot, options.entry ?? 'socket-runner/main.ts')],
    outfile: path.join(options.outdir, 'main.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: RUNNER_OPTIONAL_EXTERNALS,
    // Not minified, and run without --enable-source-maps: names, lines and esbuild's per-module path comments
    // keep stack traces readable as they are. Source maps at run time cost ~230 MB of heap once the first
    // stack trace is formatted (Baileys makes many), and keepNames (needed only with minified identifiers)
    // wraps every function instance, Baileys' included, in a __name call: ~250 bytes per closure, ~20 KB
    // per session. The map is still written, for reading a trace offline.
    minify: false,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: path.join(options.projectRoot, 'tsconfig.json'),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outdir = path.resolve(process.argv[2] ?? 'dist');
  await bundleRunner({ projectRoot: process.cwd(), outdir });
}
