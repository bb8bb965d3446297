/**
 * Builds a DynamoTable adapter for each table of core/resources.ts from the physical names in the environment.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableNameFromEnv } from '../resource-config.ts';
import { tables, type TableName } from '../resources.ts';
import { DynamoTable } from './dynamo-table.ts';

export function openTable(doc: DynamoDBDocumentClient, table: TableName, env: NodeJS.ProcessEnv = process.env): DynamoTable {
  return new DynamoTable(doc, tableNameFromEnv(table, env), tables[table]);
}
