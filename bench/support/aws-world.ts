/**
 * The AWS side of a benchmark or fault run: the embedded emulators (started here, or the test run's, when
 * endpoints are given), every table/queue/bucket provisioned under one prefix, SDK clients, and the
 * environment a runner or function of the stack reads (endpoints, emulator keys, resource variables).
 */
import { randomBytes } from 'node:crypto';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../core/aws/clients.ts';
import { openTable } from '../../core/aws/tables.ts';
import type { DynamoTable } from '../../core/aws/dynamo-table.ts';
import type { TableName } from '../../core/resources.ts';
import { emulatorEnvironment, startEmulators, type EmulatorEndpoints } from '../../local/emulators.ts';
import { provisionResources } from '../../local/provision.ts';

export interface AwsWorld {
  readonly endpoints: EmulatorEndpoints;
  /** Endpoint, credential and resource variables, as a process of the stack sees them. */
  readonly env: Record<string, string>;
  readonly clients: AwsClients;
  readonly prefix: string;
  table(name: TableName): DynamoTable;
  close(): Promise<void>;
}

export interface AwsWorldOptions {
  readonly slotCount: number;
  /** Use running emulators (a test run's) instead of starting new ones. */
  readonly endpoints?: EmulatorEndpoints;
  readonly prefix?: string;
}

export async function startAwsWorld(options: AwsWorldOptions): Promise<AwsWorld> {
  const emulators = options.endpoints ? undefined : await startEmulators();
  const endpoints = options.endpoints ?? emulators!.endpoints;
  const endpointEnv = emulatorEnvironment(endpoints);
  const clients = createAwsClients({ env: endpointEnv, maxAttempts: 3 });
  const prefix = options.prefix ?? `b${randomBytes(3).toString('hex')}-`;
  try {
    const resourceEnv = await provisionResources({ ...clients, prefix, slotCount: options.slotCount });
    const env = { ...endpointEnv, ...resourceEnv };
    return {
      endpoints,
      env,
      clients,
      prefix,
      table: (name) => openTable(clients.doc, name, env),
      close: async () => {
        destroyAwsClients(clients);
        await emulators?.close();
      },
    };
  } catch (error) {
    destroyAwsClients(clients);
    await emulators?.close();
    throw error;
  }
}
