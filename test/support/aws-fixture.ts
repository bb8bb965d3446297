/**
 * Emulator-backed AWS for integration tests: SDK clients pointed at the run's emulators and a freshly
 * provisioned set of tables, queues and buckets under a unique prefix, so test files never share state.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../core/aws/clients.ts';
import { emulatorEnvironment } from '../../local/emulators.ts';
import { provisionResources } from '../../local/provision.ts';

export interface AwsFixture {
  readonly clients: AwsClients;
  /** Endpoint and resource variables, as a process of the stack would see them. */
  readonly env: Record<string, string>;
  readonly prefix: string;
  close(): void;
}

export async function provisionedAws(options: { slotCount?: number } = {}): Promise<AwsFixture> {
  const endpoints = inject('emulators');
  const endpointEnv = emulatorEnvironment(endpoints);
  const clients = createAwsClients({ env: endpointEnv, maxAttempts: 2 });
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const resourceEnv = await provisionResources({ ...clients, prefix, slotCount: options.slotCount ?? 2 });
  return {
    clients,
    env: { ...endpointEnv, ...resourceEnv },
    prefix,
    close: () => destroyAwsClients(clients),
  };
}
