/**
 * Small builders for the WhatsApp binary nodes the simulator sends (Baileys' `BinaryNode` shape); reading
 * nodes uses Baileys' own `getBinaryNodeChild*` helpers.
 */
import type { BinaryNode } from '@whiskeysockets/baileys';

export type { BinaryNode };

export const SERVER_JID = 's.whatsapp.net';

export function node(tag: string, attrs: Record<string, string> = {}, content?: BinaryNode['content']): BinaryNode {
  return content === undefined ? { tag, attrs } : { tag, attrs, content };
}

/** The `type=result` answer to a client iq, echoing its id. */
export function iqResult(request: BinaryNode, content?: BinaryNode[]): BinaryNode {
  return node('iq', { id: request.attrs.id ?? '', type: 'result', from: SERVER_JID }, content);
}

/** Seconds since the epoch, as WhatsApp writes `t` attributes. */
export function unixTime(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** Big-endian unsigned integer of `bytes` bytes (registration ids, key ids). */
export function bigEndian(value: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  out.writeUIntBE(value, 0, bytes);
  return out;
}

/** Content of a node as bytes (strings are UTF-8), or undefined when it has none. */
export function contentBytes(value: BinaryNode | undefined): Buffer | undefined {
  const content = value?.content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return undefined;
}

/** Child nodes of a node (empty when its content is not a list). */
export function childrenOf(value: BinaryNode | undefined): BinaryNode[] {
  return Array.isArray(value?.content) ? value.content : [];
}
