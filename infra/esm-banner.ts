/**
 * esbuild's ESM output has no `require`, yet some bundled dependencies still call it for Node built-ins.
 * This banner, prepended to every bundle (Lambda functions and the runner image), gives them a real one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __waCreateRequire } from 'node:module'; const require = __waCreateRequire(import.meta.url);";
