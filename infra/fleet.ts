/**
 * The whole wa-fleet deployment as CDK stacks: one stateful stack (tables, queues, buckets, keys) and the
 * stateless stacks built on it (api, workers, runner, observability). Used by infra/app.ts (the `cdk` entry)
 * and by the infra tests, so both synthesize exactly the same thing.
 *
 * Stacks are environment-agnostic unless the CLI supplies an account/region, so `cdk synth` needs neither
 * credentials nor network. cdk-nag's AwsSolutions checks run on every synth: an unsuppressed finding is an
 * error, and every suppression sits beside its resource with its reason.
 */
import * as path from 'node:path';
import { Tags, type App, type Environment } from 'aws-cdk-lib';
import { enableNag } from './nag.ts';
import { readSettings, type Settings } from './settings.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { RunnerStack } from './stacks/runner-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { WorkersStack } from './stacks/workers-stack.ts';

/** The repository root: where package-lock.json, tsconfig.json and the handler entries live. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export interface FleetOptions {
  /** Defaults to the settings in the app's context (cdk.json and `-c`). */
  readonly settings?: Settings;
  readonly env?: Environment;
  readonly projectRoot?: string;
  /** Run cdk-nag's AwsSolutions checks (default true). */
  readonly nag?: boolean;
}

export interface Fleet {
  readonly settings: Settings;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
  readonly workers: WorkersStack;
  readonly runner: RunnerStack;
  readonly observability: ObservabilityStack;
}

export function buildFleet(app: App, options: FleetOptions = {}): Fleet {
  const settings = options.settings ?? readSettings((key) => app.node.tryGetContext(key));
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const common = { env: options.env, settings };
  const id = (part: string) => `${settings.name}-${part}`;

  const stateful = new StatefulStack(app, id('stateful'), {
    ...common,
    description: 'wa-fleet data: DynamoDB tables, SQS queues, S3 buckets, KMS keys (retained)',
    terminationProtection: true,
  });
  const resources = stateful.resources;
  const stateless = { ...common, resources, projectRoot };

  const api = new ApiStack(app, id('api'), { ...stateless, description: 'wa-fleet REST API: API Gateway, API and authorizer functions' });
  const workers = new WorkersStack(app, id('workers'), { ...stateless, description: 'wa-fleet webhook delivery and campaign scheduler' });
  const runner = new RunnerStack(app, id('runner'), { ...stateless, description: 'wa-fleet socket runners on ECS Fargate' });
  const observability = new ObservabilityStack(app, id('observability'), {
    ...stateless,
    description: 'wa-fleet alarms, dashboard and alarm notifications',
    cluster: runner.cluster,
    service: runner.service,
    api: api.api,
    functions: {
      Api: api.apiFunction,
      Authorizer: api.authorizerFunction,
      Webhooks: workers.webhooksFunction,
      WebhookRetry: workers.webhookRetryFunction,
      Scheduler: workers.schedulerFunction,
    },
  });

  for (const stack of [stateful, api, workers, runner, observability]) Tags.of(stack).add('app', settings.name);
  if (options.nag ?? true) enableNag(app);
  return { settings, stateful, api, workers, runner, observability };
}
