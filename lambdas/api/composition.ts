/**
 * The API function's composition spot: builds every adapter once per container from the config and the AWS
 * clients, and hands them to the request pipeline (app.ts) and the routes. Tests build the same object on
 * emulator-backed clients (test/integration/api/support), overriding clock, sleep or metrics.
 */
import type { AwsClients } from '../../core/aws/clients.ts';
import { DynamoTable } from '../../core/aws/dynamo-table.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { CommandRepository } from '../../core/commands/command-repository.ts';
import { SlotQueues } from '../../core/commands/slot-queues.ts';
import type { Logger } from '../../core/logger.ts';
import { tables } from '../../core/resources.ts';
import { SessionRepository } from '../../core/sessions/session-repository.ts';
import { FixedWindowRateLimiter, unlimited, type RateLimiter } from '../../core/tenants/rate-limiter.ts';
import { TenantStore } from '../../core/tenants/tenant-store.ts';
import { buildWebhookApiDeps, type WebhookApiDeps } from '../../core/webhooks/webhook-api-deps.ts';
import { buildCampaignApiDeps, type CampaignApiDeps, type S3ClientSource } from '../../core/campaigns/campaign-api-deps.ts';
import type { ApiConfig } from './config.ts';
import { PowertoolsIdempotentRequests, type IdempotentRequests } from './idempotency.ts';
import { silentMetrics, type RequestMetrics } from './request-metrics.ts';
import type { RunnerRequestDeps } from './use-cases/runner-requests.ts';
import type { TenantDeps } from './use-cases/tenants.ts';

/** Everything a route may use. Use-cases take the narrow slices they need. */
export interface ApiDependencies extends RunnerRequestDeps, TenantDeps {
  readonly config: ApiConfig;
  readonly logger: Logger;
  readonly metrics: RequestMetrics;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotentRequests;
  readonly webhooks: WebhookApiDeps;
  readonly campaigns: CampaignApiDeps;
}

/** The AWS clients the API uses; S3 (campaign CSV imports only) may be made on first use. */
export type ApiClients = Pick<AwsClients, 'dynamo' | 'doc' | 'sqs'> & { readonly s3: S3ClientSource };

export interface CompositionOptions {
  readonly clients: ApiClients;
  readonly logger: Logger;
  readonly metrics?: RequestMetrics;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function buildApiDependencies(config: ApiConfig, options: CompositionOptions): ApiDependencies {
  const { doc, dynamo, sqs } = options.clients;
  const clock = options.clock ?? systemClock;
  const tenantsTable = new DynamoTable(doc, config.tables.tenants, tables.tenants);
  return {
    config,
    clock,
    logger: options.logger,
    metrics: options.metrics ?? silentMetrics,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    tenants: new TenantStore(tenantsTable, clock),
    sessions: new SessionRepository(new DynamoTable(doc, config.tables.sessions, tables.sessions), clock),
    commands: new CommandRepository(new DynamoTable(doc, config.tables.commands, tables.commands), clock),
    delivery: new SlotQueues(sqs, config.commandQueueUrlTemplate, config.slotCount),
    rateLimiter: config.rateLimitPerSecond > 0 ? new FixedWindowRateLimiter(tenantsTable, clock, config.rateLimitPerSecond) : unlimited,
    idempotency: new PowertoolsIdempotentRequests(dynamo, config.tables.idempotency, config.idempotencyTtlSeconds),
    commandTtlSeconds: config.commandTtlSeconds,
    runnerReplyTimeoutMs: config.runnerReplyTimeoutMs,
    webhooks: buildWebhookApiDeps(config.webhooks, options.clients, clock),
    campaigns: buildCampaignApiDeps(config.campaigns, options.clients, clock, options.logger),
  };
}
