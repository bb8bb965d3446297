/** The repository root: where the function modules and the runner entry live, and runner processes start. */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
