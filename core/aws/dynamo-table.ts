/**
 * DynamoDB adapter: one instance per table, on an injected DocumentClient. It owns the SDK: conditional
 * failures become `ConditionFailedError`, throttling and transport faults become `DependencyError`, and
 * query pages are exposed as opaque cursors that cannot be pointed at another partition.
 *
 * Single-item conditional writes only (dynalite has no TransactWriteItems; ARCHITECTURE D1).
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, DependencyError, ValidationError } from '../errors.ts';

export type Item = Record<string, unknown>;
export type Key = Record<string, string | number>;

/** A condition or filter expression with its placeholders. */
export interface Expression {
  readonly expression: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export interface UpdateSpec {
  /** Attributes to set (undefined values are skipped). */
  readonly set?: Record<string, unknown>;
  /** Attributes to set only if absent (`if_not_exists`). */
  readonly setIfAbsent?: Record<string, unknown>;
  /** Numeric attributes to add to (atomic counters). */
  readonly add?: Record<string, number>;
  /** Lists to append to (`list_append`, creating the list if absent). */
  readonly append?: Record<string, readonly unknown[]>;
  readonly remove?: readonly string[];
  readonly condition?: Expression;
}

export interface QuerySpec {
  readonly partition: string | number;
  readonly index?: string;
  readonly sortBeginsWith?: string;
  readonly sortBetween?: readonly [string | number, string | number];
  readonly sortAfter?: string | number;
  readonly filter?: Expression;
  readonly limit?: number;
  readonly cursor?: string;
  readonly newestFirst?: boolean;
  readonly consistent?: boolean;
}

export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly { name: string; partitionKey: string; sortKey?: string }[];
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

export class DynamoTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly name: string,
    private readonly schema: KeySchema,
  ) {}

  async get<T extends Item = Item>(key: Key, options: { consistent?: boolean } = {}): Promise<T | undefined> {
    const out = await this.call(() =>
      this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: options.consistent ?? true })),
    );
    return out.Item as T | undefined;
  }

  /** Puts an item; with a condition, a failed check raises ConditionFailedError. */
  async put(item: Item, condition?: Expression): Promise<void> {
    await this.call(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ...expressionParams(condition, 'ConditionExpression'),
        }),
      ),
    );
  }

  /** Puts an item only if no item with its key exists. */
  async create(item: Item): Promise<void> {
    await this.put(item, { expression: 'attribute_not_exists(#pk)', names: { '#pk': this.schema.partitionKey } });
  }

  /** Updates an item and returns it as stored afterwards. */
  async update<T extends Item = Item>(key: Key, spec: UpdateSpec): Promise<T> {
    const built = buildUpdate(spec);
    const out = await this.call(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.name,
          Key: key,
          UpdateExpression: built.expression,
          ConditionExpression: spec.condition?.expression,
          ExpressionAttributeNames: { ...built.names, ...spec.condition?.names },
          ExpressionAttributeValues: nonEmpty({ ...built.values, ...spec.condition?.values }),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out.Attributes as T;
  }

  async delete(key: Key, condition?: Expression): Promise<void> {
    await this.call(() =>
      this.doc.send(new DeleteCommand({ TableName: this.name, Key: key, ...expressionParams(condition, 'ConditionExpression') })),
    );
  }

  async query<T extends Item = Item>(spec: QuerySpec): Promise<Page<T>> {
    const keys = this.keysOf(spec.index);
    const names: Record<string, string> = { '#pk': keys.partitionKey, ...spec.filter?.names };
    const values: Record<string, unknown> = { ':pk': spec.partition, ...spec.filter?.values };
    let keyCondition = '#pk = :pk';
    if (spec.sortBeginsWith !== undefined || spec.sortBetween || spec.sortAfter !== undefined) {
      if (!keys.sortKey) throw new Error(`${this.name}${spec.index ? `/${spec.index}` : ''} has no sort key`);
      names['#sk'] = keys.sortKey;
      if (spec.sortBeginsWith !== undefined) {
        keyCondition += ' AND begins_with(#sk, :skPrefix)';
        values[':skPrefix'] = spec.sortBeginsWith;
      } else if (spec.sortBetween) {
        keyCondition += ' AND #sk BETWEEN :skLow AND :skHigh';
        values[':skLow'] = spec.sortBetween[0];
        values[':skHigh'] = spec.sortBetween[1];
      } else {
        keyCondition += ' AND #sk > :skAfter';
        values[':skAfter'] = spec.sortAfter;
      }
    }
    const exclusiveStartKey = spec.cursor ? decodeCursor(spec.cursor, keys.partitionKey, spec.partition) : undefined;
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.name,
          IndexName: spec.index,
          KeyConditionExpression: keyCondition,
          FilterExpression: spec.filter?.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: spec.limit,
          ExclusiveStartKey: exclusiveStartKey,
          ScanIndexForward: !spec.newestFirst,
          ConsistentRead: spec.index ? false : (spec.consistent ?? false),
        }),
      ),
    );
    return {
      items: (out.Items ?? []) as T[],
      cursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined,
    };
  }

  /** Every item of a partition (follows pages); for bounded partitions only. */
  async queryAll<T extends Item = Item>(spec: Omit<QuerySpec, 'cursor'>): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.query<T>({ ...spec, cursor });
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  /** Gets many items by key (chunks of 100, unprocessed keys retried). Missing items are absent. */
  async getMany<T extends Item = Item>(keys: readonly Key[]): Promise<T[]> {
    const found: T[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Key[] | undefined = keys.slice(i, i + 100);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        const request: Key[] = pending;
        const out = await this.call(() =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.name]: { Keys: request, ConsistentRead: true } } })),
        );
        found.push(...((out.Responses?.[this.name] ?? []) as T[]));
        pending = out.UnprocessedKeys?.[this.name]?.Keys as Key[] | undefined;
        if (pending?.length) await backoff(attempt);
      }
    }
    return found;
  }

  /** Unconditional puts and deletes in chunks of 25, unprocessed items retried. */
  async writeMany(puts: readonly Item[], deletes: readonly Key[] = []): Promise<void> {
    type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };
    const requests: WriteRequest[] = [
      ...puts.map((item) => ({ PutRequest: { Item: item } })),
      ...deletes.map((key) => ({ DeleteRequest: { Key: key } })),
    ];
    for (let i = 0; i < requests.length; i += 25) {
      let pending: WriteRequest[] | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        const request: WriteRequest[] = pending;
        const out = await this.call(() => this.doc.send(new BatchWriteCommand({ RequestItems: { [this.name]: request } })));
        pending = out.UnprocessedItems?.[this.name] as WriteRequest[] | undefined;
        if (pending?.length) await backoff(attempt);
      }
    }
  }

  private keysOf(index?: string): { partitionKey: string; sortKey?: string } {
    if (!index) return this.schema;
    const found = this.schema.indexes.find((candidate) => candidate.name === index);
    if (!found) throw new Error(`${this.name} has no index ${index}`);
    return found;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateError(error, this.name);
    }
  }
}

function translateError(error: unknown, table: string): unknown {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (name === 'ConditionalCheckFailedException') {
    const item = (error as { Item?: Item }).Item;
    return new ConditionFailedError(`conditional write to ${table} failed`, item, error);
  }
  if (RETRYABLE_NAMES.has(name) || isTransportError(error)) {
    return new DependencyError('dynamodb', `${name || 'request failed'} on ${table}`, error);
  }
  return error;
}

export function isTransportError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  const name = (error as { name?: string } | undefined)?.name;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  );
}

function buildUpdate(spec: UpdateSpec): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  let n = 0;
  const name = (attribute: string): string => {
    const placeholder = `#u${n++}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (v: unknown): string => {
    const placeholder = `:u${n++}`;
    values[placeholder] = v;
    return placeholder;
  };
  for (const [attribute, v] of Object.entries(spec.set ?? {})) {
    if (v !== undefined) sets.push(`${name(attribute)} = ${value(v)}`);
  }
  for (const [attribute, v] of Object.entries(spec.setIfAbsent ?? {})) {
    const a = name(attribute);
    sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
  }
  for (const [attribute, list] of Object.entries(spec.append ?? {})) {
    const a = name(attribute);
    sets.push(`${a} = list_append(if_not_exists(${a}, ${value([])}), ${value(list)})`);
  }
  const adds = Object.entries(spec.add ?? {}).map(([attribute, v]) => `${name(attribute)} ${value(v)}`);
  const removes = (spec.remove ?? []).map((attribute) => name(attribute));
  const parts: string[] = [];
  if (sets.length) parts.push(`SET ${sets.join(', ')}`);
  if (adds.length) parts.push(`ADD ${adds.join(', ')}`);
  if (removes.length) parts.push(`REMOVE ${removes.join(', ')}`);
  if (!parts.length) throw new Error('empty update');
  return { expression: parts.join(' '), names, values };
}

function expressionParams(expression: Expression | undefined, field: 'ConditionExpression') {
  if (!expression) return {};
  return {
    [field]: expression.expression,
    ExpressionAttributeNames: expression.names,
    ExpressionAttributeValues: nonEmpty(expression.values ?? {}),
  };
}

function nonEmpty(values: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(values).length ? values : undefined;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a page cursor, refusing one that was made for another partition (another tenant's data). */
function decodeCursor(cursor: string, partitionKey: string, partition: string | number): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('The page cursor is not valid', undefined, 'invalid_cursor');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as Record<string, unknown>)[partitionKey] !== partition ||
    !Object.values(parsed).every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw new ValidationError('The page cursor is not valid', undefined, 'invalid_cursor');
  }
  return parsed as Key;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
