/**
 * What the API function needs for the `/v1/campaigns` and `/v1/suppressions` routes, and how to build it once
 * per container from the environment and the API's AWS clients (called by lambdas/api/composition.ts).
 *
 * Environment: CAMPAIGNS_TABLE, TENANTS_TABLE, SESSIONS_TABLE, EVENTS_QUEUE_URL, IMPORTS_BUCKET, and the
 * optional limits CAMPAIGN_MAX_RECIPIENTS (default 50,000), CAMPAIGN_IMPORT_MAX_BYTES (default 10 MB) and
 * CAMPAIGN_IMPORT_URL_TTL_SECONDS (default 900).
 *
 * The S3 side (CSV imports) is built on first use: the caller may hand over the S3 client or a function that
 * makes it, so a cold start that serves no import loads neither the S3 SDK nor the presigner.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import type { Clock } from '../clock.ts';
import { SqsEventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../logger.ts';
import { bucketNameFromEnv, queueUrlFromEnv, tableNameFromEnv } from '../resource-config.ts';
import { buckets, queues, tables } from '../resources.ts';
import { SessionRepository } from '../sessions/session-repository.ts';
import type { ControlDeps, QueryDeps } from './campaign-controls.ts';
import { CampaignStore } from './campaign-store.ts';
import type { CreateCampaignDeps } from './create-campaign.ts';
import type { SuppressionDeps } from './manage-suppressions.ts';
import { LazyRecipientImports } from './lazy-recipient-imports.ts';
import type { RecipientImports } from './recipient-imports.ts';
import { RecipientStore } from './recipient-store.ts';
import { SuppressionStore } from './suppression-store.ts';

export interface CampaignApiConfig {
  readonly campaignsTable: string;
  readonly tenantsTable: string;
  readonly sessionsTable: string;
  readonly eventsQueueUrl: string;
  readonly importsBucket: string;
  readonly maxRecipients: number;
  readonly importMaxBytes: number;
  readonly importUrlTtlSeconds: number;
}

export interface CampaignApiDeps {
  readonly create: CreateCampaignDeps;
  readonly controls: ControlDeps;
  readonly queries: QueryDeps;
  readonly suppressions: SuppressionDeps;
  readonly imports: RecipientImports;
}

const limits = z.object({
  CAMPAIGN_MAX_RECIPIENTS: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  CAMPAIGN_IMPORT_MAX_BYTES: z.coerce.number().int().min(1_024).max(1_073_741_824).default(10 * 1024 * 1024),
  CAMPAIGN_IMPORT_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(900),
});

export function campaignApiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CampaignApiConfig {
  const parsed = limits.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid campaign configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return {
    campaignsTable: tableNameFromEnv('campaigns', env),
    tenantsTable: tableNameFromEnv('tenants', env),
    sessionsTable: tableNameFromEnv('sessions', env),
    eventsQueueUrl: queueUrlFromEnv(queues.events, env),
    importsBucket: bucketNameFromEnv(buckets.imports, env),
    maxRecipients: parsed.data.CAMPAIGN_MAX_RECIPIENTS,
    importMaxBytes: parsed.data.CAMPAIGN_IMPORT_MAX_BYTES,
    importUrlTtlSeconds: parsed.data.CAMPAIGN_IMPORT_URL_TTL_SECONDS,
  };
}

/** The S3 client, or how to make it when first needed. */
export type S3ClientSource = S3Client | (() => Promise<S3Client>);

export function buildCampaignApiDeps(
  config: CampaignApiConfig,
  clients: { readonly doc: DynamoDBDocumentClient; readonly sqs: SQSClient; readonly s3: S3ClientSource },
  clock: Clock,
  logger?: Logger,
): CampaignApiDeps {
  const campaignsTable = new DynamoTable(clients.doc, config.campaignsTable, tables.campaigns);
  const campaigns = new CampaignStore(campaignsTable);
  const recipients = new RecipientStore(campaignsTable);
  const imports = new LazyRecipientImports(async () => {
    const [{ S3RecipientImports }, s3] = await Promise.all([
      import('./recipient-imports.ts'),
      typeof clients.s3 === 'function' ? clients.s3() : clients.s3,
    ]);
    return new S3RecipientImports(s3, config.importsBucket, clock, {
      maxBytes: config.importMaxBytes,
      urlTtlSeconds: config.importUrlTtlSeconds,
    });
  });
  return {
    create: {
      campaigns,
      recipients,
      sessions: new SessionRepository(new DynamoTable(clients.doc, config.sessionsTable, tables.sessions), clock),
      imports,
      clock,
      maxRecipients: config.maxRecipients,
    },
    controls: { campaigns, events: new SqsEventPublisher(new SqsQueue(clients.sqs, config.eventsQueueUrl)), clock, logger },
    queries: { campaigns, recipients },
    suppressions: { suppressions: new SuppressionStore(new DynamoTable(clients.doc, config.tenantsTable, tables.tenants), clock) },
    imports,
  };
}
