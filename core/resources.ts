/**
 * Every table, queue and bucket of wa-fleet, declared once.
 *
 * The CDK stacks (infra/) and the local provisioning (local/provision.ts) both build their resources from
 * these definitions, so names, keys, indexes and TTL attributes cannot drift between AWS and `npm start`.
 * Runtime code never hard-codes a name: it reads the environment variable named by `envVar`, which the CDK
 * Function helper and the local stack set from the same definition.
 *
 * Key convention: every table has string keys `pk`/`sk`; tenant data keys start with the tenant id (D10).
 * Generic GSIs (`gsi1`, `gsi2`) are sparse: an item appears in the index only while it carries the attribute.
 */

export type KeyType = 'S' | 'N';

/**
 * What a GSI copies besides the keys (the table's and its own are always there). Not a detail: an index
 * is written whenever a write changes one of its projected attributes, so ALL doubles the cost of every
 * write to an indexed item, and every query reads whole items. Project only what the index's readers read.
 */
export type IndexProjection =
  | { readonly type: 'ALL' }
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** ALL when absent. */
  readonly projection?: IndexProjection;
}

/** The projection an index is built with. */
export function projectionOf(index: IndexDefinition): IndexProjection {
  return index.projection ?? { type: 'ALL' };
}

export interface TableDefinition {
  /** Logical id, used for CDK construct ids and local physical names. */
  readonly id: string;
  /** Environment variable that carries the physical table name at run time. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; DynamoDB TTL deletes the item after it. */
  readonly ttlAttribute?: string;
  /** Holds WhatsApp credentials: only runners may read or write it. */
  readonly sensitive?: boolean;
  readonly description: string;
}

export interface QueueDefinition {
  readonly id: string;
  readonly envVar: string;
  readonly fifo: boolean;
  /** Default visibility timeout in seconds. */
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  /** Receives after which a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly description: string;
}

export interface BucketDefinition {
  readonly id: string;
  readonly envVar: string;
  readonly sensitive?: boolean;
  readonly description: string;
}

const keyed = { partitionKey: 'pk', sortKey: 'sk' } as const;
const gsi1: IndexDefinition = { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' };
const gsi2: IndexDefinition = { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' };

/**
 * Non-key attributes of the sessions table's runnable index (gsi1): exactly what placement reads from the
 * list every runner pages through on each tick (tenantId and sessionId are the table keys). Everything else
 * comes from a GetItem where it is needed. Status, QR and other owner writes then leave the index alone.
 */
export const RUNNABLE_INDEX_ATTRIBUTES = ['ownerRunnerId', 'epoch', 'deletedAt'] as const;

export const tables = {
  tenants: {
    id: 'tenants',
    envVar: 'TENANTS_TABLE',
    ...keyed,
    indexes: [gsi1],
    ttlAttribute: 'expiresAt',
    description:
      'Tenants, API keys (gsi1 = key hash lookup), webhook endpoints, suppression list, rate-limit windows. pk = tenantId.',
  },
  sessions: {
    id: 'sessions',
    envVar: 'SESSIONS_TABLE',
    ...keyed,
    indexes: [{ ...gsi1, projection: { type: 'INCLUDE', attributes: RUNNABLE_INDEX_ATTRIBUTES } }],
    ttlAttribute: 'expiresAt',
    description:
      'WhatsApp session records (pk = tenantId, sk = sessionId). gsi1 (sparse; keys + ownerRunnerId, epoch, deletedAt) lists the sessions runners must hold (running, or deleted and not yet purged), for placement.',
  },
  commands: {
    id: 'commands',
    envVar: 'COMMANDS_TABLE',
    ...keyed,
    indexes: [gsi1, gsi2],
    ttlAttribute: 'expiresAt',
    description:
      'Commands and their status trail (pk = tenantId#sessionId, sk = commandId). gsi1 (sparse) = queued commands per session; gsi2 = WhatsApp message id lookup for receipts.',
  },
  leases: {
    id: 'leases',
    envVar: 'LEASES_TABLE',
    ...keyed,
    // KEYS_ONLY: a renewal (new renewToken every 5 s per session) then writes the table only, never the index.
    indexes: [{ ...gsi1, projection: { type: 'KEYS_ONLY' } }],
    ttlAttribute: 'expiresAt',
    description:
      'Slot leases, session leases (owner, slot, epoch, renewToken) and runner heartbeats (partition `runners`). gsi1 (keys only) = leases by owner.',
  },
  auth: {
    id: 'auth',
    envVar: 'AUTH_TABLE',
    ...keyed,
    indexes: [],
    sensitive: true,
    description:
      'Baileys auth state: creds and Signal keys per session (pk = tenantId#sessionId), every write fenced by lease epoch; backup pointer.',
  },
  campaigns: {
    id: 'campaigns',
    envVar: 'CAMPAIGNS_TABLE',
    ...keyed,
    indexes: [gsi1],
    ttlAttribute: 'expiresAt',
    description:
      'Campaigns (pk = tenantId) and their recipients (pk = tenantId#campaignId). gsi1 (sparse) = campaigns due for the scheduler.',
  },
  deliveries: {
    id: 'deliveries',
    envVar: 'DELIVERIES_TABLE',
    ...keyed,
    indexes: [gsi1],
    ttlAttribute: 'expiresAt',
    description:
      'Webhook delivery log per event and endpoint (pk = tenantId). gsi1 = deliveries by tenant and status, newest first.',
  },
  idempotency: {
    id: 'idempotency',
    envVar: 'IDEMPOTENCY_TABLE',
    partitionKey: 'id',
    indexes: [],
    ttlAttribute: 'expiration',
    description: 'Powertools idempotency records for POST requests carrying an Idempotency-Key (key starts with the tenant).',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof tables;

export const queues = {
  commandsDlq: {
    id: 'commands-dlq',
    envVar: 'COMMANDS_DLQ_URL_TEMPLATE',
    fifo: true,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 14 * 24 * 3600,
    maxReceiveCount: 0,
    description: 'Dead letters of slot k command queue: commands that failed processing 5 times.',
  },
  commands: {
    id: 'commands',
    envVar: 'COMMANDS_QUEUE_URL_TEMPLATE',
    fifo: true,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    description: 'Slot k command queue (one per slot, MessageGroupId = sessionId). URL template contains {slot}.',
  },
  eventsDlq: {
    id: 'events-dlq',
    envVar: 'EVENTS_DLQ_URL',
    fifo: false,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 14 * 24 * 3600,
    maxReceiveCount: 0,
    description: 'Events the webhooks function could not process at all.',
  },
  events: {
    id: 'events',
    envVar: 'EVENTS_QUEUE_URL',
    fifo: false,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    description: 'Events published by runners, the API and the scheduler; consumed by lambdas/webhooks.',
  },
  deliveriesDlq: {
    id: 'webhook-deliveries-dlq',
    envVar: 'DELIVERIES_DLQ_URL',
    fifo: false,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 14 * 24 * 3600,
    maxReceiveCount: 0,
    description: 'Webhook deliveries that exhausted their retries.',
  },
  deliveries: {
    id: 'webhook-deliveries',
    envVar: 'DELIVERIES_QUEUE_URL',
    fifo: false,
    visibilityTimeoutSeconds: 60,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    description: 'Delayed webhook delivery retries (one message = one event to one endpoint).',
  },
} as const satisfies Record<string, QueueDefinition>;

/** Which dead-letter queue each source queue redrives to. */
export const deadLetterOf = {
  commands: 'commandsDlq',
  events: 'eventsDlq',
  deliveries: 'deliveriesDlq',
} as const satisfies Partial<Record<keyof typeof queues, keyof typeof queues>>;

export const buckets = {
  credentials: {
    id: 'credentials',
    envVar: 'CREDENTIALS_BUCKET',
    sensitive: true,
    description: 'Immutable credential backups: sessions/{tenantId}/{sessionId}/e{epoch}/s{seq}.',
  },
  imports: {
    id: 'imports',
    envVar: 'IMPORTS_BUCKET',
    description: 'Campaign recipient CSV uploads (presigned PUT), expired by lifecycle.',
  },
} as const satisfies Record<string, BucketDefinition>;

/** Placeholder for the slot number inside a command queue URL template. */
export const SLOT_PLACEHOLDER = '{slot}';

/** Name of slot k's command queue (or its DLQ) given the physical name prefix. */
export function slotQueueName(prefix: string, slot: number, dlq = false): string {
  return `${prefix}commands-${slot}${dlq ? '-dlq' : ''}.fifo`;
}

/** Resolves a URL template carrying `{slot}` to the URL of one slot's queue. */
export function slotQueueUrl(template: string, slot: number): string {
  if (!template.includes(SLOT_PLACEHOLDER)) throw new Error(`queue URL template lacks ${SLOT_PLACEHOLDER}: ${template}`);
  return template.replace(SLOT_PLACEHOLDER, String(slot));
}

/** Physical name of a non-slot queue. */
export function queueName(prefix: string, def: QueueDefinition): string {
  return `${prefix}${def.id}${def.fifo ? '.fifo' : ''}`;
}

export function tableName(prefix: string, def: TableDefinition): string {
  return `${prefix}${def.id}`;
}

export function bucketName(prefix: string, def: BucketDefinition): string {
  return `${prefix}${def.id}`;
}
