// Starts the embedded emulators once per test run and hands their endpoints to every test worker.
import type { TestProject } from 'vitest/node';
import { startEmulators, type EmulatorEndpoints } from '../../local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulators = await startEmulators();
  project.provide('emulators', emulators.endpoints);
  return () => emulators.close();
}
