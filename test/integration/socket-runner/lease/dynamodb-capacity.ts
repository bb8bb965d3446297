// DynamoDB's documented capacity rules, applied to real item images read back from dynalite (which stores
// and queries index projections faithfully but reports no index write capacity). Sources:
// - item size: attribute name bytes + value bytes (strings UTF-8; numbers ~1 byte per 2 significant digits
//   + 1; list/map 3 + 1 per element + elements; bool/null 1) — "Item sizes and formats";
// - a GSI write happens only when the write puts the item into the index, deletes it from the index, or
//   changes an index key (2 writes) or a projected attribute (1) — "Provisioned throughput considerations
//   for Global Secondary Indexes"; each index write costs ceil(projected entry size / 1 KB) write units;
// - a query reads ceil(sum of returned entry sizes / 4 KB) read units per page, halved when eventually
//   consistent (GSI queries always are).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { projectionOf, type IndexDefinition, type TableDefinition } from '../../../../core/resources.ts';

export type RawItem = Record<string, AttributeValue>;

export function itemSize(item: RawItem): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(significantDigits(value.N) / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemSize(value.M);
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + Buffer.byteLength(element), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + Math.ceil(significantDigits(element) / 2) + 1, 0);
  throw new Error(`unsized attribute value ${JSON.stringify(value)}`);
}

function significantDigits(number: string): number {
  return number.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length || 1;
}

/** The entry an index holds for an item, or undefined when the item is not in the (sparse) index. */
export function indexEntry(table: TableDefinition, index: IndexDefinition, item: RawItem | undefined): RawItem | undefined {
  if (!item || !item[index.partitionKey] || (index.sortKey && !item[index.sortKey])) return undefined;
  const projection = projectionOf(index);
  if (projection.type === 'ALL') return item;
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...(projection.type === 'INCLUDE' ? projection.attributes : [])];
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.includes(name)));
}

const writeUnits = (entry: RawItem) => Math.ceil(itemSize(entry) / 1024);
const keyOf = (index: IndexDefinition, entry: RawItem) => JSON.stringify([entry[index.partitionKey], index.sortKey ? entry[index.sortKey] : null]);

/** Write units one table write costs in one index, from the item before and after it. */
export function indexWriteUnits(table: TableDefinition, index: IndexDefinition, before: RawItem | undefined, after: RawItem | undefined): number {
  const [old, next] = [indexEntry(table, index, before), indexEntry(table, index, after)];
  if (!old && !next) return 0;
  if (!old) return writeUnits(next as RawItem);
  if (!next) return writeUnits(old);
  if (keyOf(index, old) !== keyOf(index, next)) return writeUnits(old) + writeUnits(next);
  return JSON.stringify(sorted(old)) === JSON.stringify(sorted(next)) ? 0 : writeUnits(next);
}

/** Write units of one table write: the item itself plus every index it touches. */
export function writeCost(table: TableDefinition, before: RawItem | undefined, after: RawItem | undefined): { table: number; indexes: number } {
  const base = Math.max(before ? writeUnits(before) : 0, after ? writeUnits(after) : 0);
  return { table: base, indexes: table.indexes.reduce((sum, index) => sum + indexWriteUnits(table, index, before, after), 0) };
}

/** Read units of one eventually consistent query page returning `entries`. */
export function queryPageReadUnits(entries: readonly RawItem[]): number {
  return Math.ceil(entries.reduce((sum, entry) => sum + itemSize(entry), 0) / 4096) * 0.5;
}

function sorted(item: RawItem): [string, AttributeValue][] {
  return Object.entries(item).sort(([a], [b]) => a.localeCompare(b));
}
