/**
 * Inbound opt-out: a contact who answers with an opt-out keyword as the whole message ("STOP", "stop!",
 * "Arrêt") is added to the tenant's suppression list, so no campaign messages them again. Runs where
 * `message.received` events are consumed (lambdas/webhooks/handler.ts calls `applyOptOut` for each event);
 * every other event is ignored at no cost.
 *
 * Keywords: the defaults below, or the comma-separated `OPT_OUT_KEYWORDS` variable of the consuming
 * function (set it to an empty string to switch opt-out off). Matching ignores case, accents, surrounding
 * whitespace and punctuation, and requires the whole message to be the keyword, so "please don't stop" is
 * not an opt-out. Group chats are ignored.
 */
import type { DynamoTable } from '../aws/dynamo-table.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { AnyEvent } from '../domain/event.ts';
import { SuppressionStore } from './suppression-store.ts';

/** CTIA's standard keywords plus common equivalents in the languages most tenants serve. */
export const DEFAULT_OPT_OUT_KEYWORDS = [
  'STOP',
  'STOPALL',
  'STOP ALL',
  'STOPP',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT OUT',
  'OPT-OUT',
  'BAJA',
  'ARRET',
  'ABMELDEN',
  'PARAR',
  'SAIR',
] as const;

export const OPT_OUT_KEYWORDS_ENV = 'OPT_OUT_KEYWORDS';

/** Upper case, accents and surrounding punctuation removed, inner whitespace collapsed. */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

/** The keyword set from the environment (defaults when unset, none when set to an empty string). */
export function optOutKeywords(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  const configured = env[OPT_OUT_KEYWORDS_ENV];
  const list = configured === undefined ? DEFAULT_OPT_OUT_KEYWORDS : configured.split(',');
  return new Set(list.map(normalizeKeyword).filter((keyword) => keyword.length > 0));
}

let keywordsFromEnv: ReadonlySet<string> | undefined;

/** The opt-out keyword a message consists of, if it is one. */
export function matchOptOutKeyword(text: string | undefined, keywords: ReadonlySet<string>): string | undefined {
  if (!text || text.length > 64) return undefined;
  const normalized = normalizeKeyword(text);
  return keywords.has(normalized) ? normalized : undefined;
}

export interface OptOutDeps {
  /** The tenants table (suppression items live there). */
  readonly tenants: DynamoTable;
  readonly keywords?: ReadonlySet<string>;
  readonly clock?: Clock;
}

export interface OptOutResult {
  /** Digits of the number that opted out, when the event was an opt-out. */
  readonly phoneNumber?: string;
  readonly keyword?: string;
}

/** Sender digits of a direct message, or undefined for groups, LIDs and anything unrecognised. */
function senderDigits(from: string, chat: string): string | undefined {
  if (chat.endsWith('@g.us') || chat.endsWith('@broadcast') || chat.endsWith('@newsletter')) return undefined;
  let digits = from;
  if (from.includes('@')) {
    if (!from.endsWith('@s.whatsapp.net')) return undefined;
    digits = from.slice(0, from.indexOf('@')).split(':')[0]!;
  }
  digits = digits.replace(/^\+/, '');
  return /^[0-9]{6,20}$/.test(digits) ? digits : undefined;
}

/**
 * Adds the sender of an opt-out message to the tenant's suppression list. Safe to call for every event:
 * anything but an inbound direct text consisting of a keyword returns `{}` without I/O. Idempotent.
 */
export async function applyOptOut(event: AnyEvent, deps: OptOutDeps): Promise<OptOutResult> {
  if (event.type !== 'message.received') return {};
  const keywords = deps.keywords ?? (keywordsFromEnv ??= optOutKeywords());
  const keyword = matchOptOutKeyword(event.data.text, keywords);
  if (!keyword) return {};
  const phoneNumber = senderDigits(event.data.from, event.data.chat ?? '');
  if (!phoneNumber) return {};
  await new SuppressionStore(deps.tenants, deps.clock ?? systemClock).add(event.tenantId, [phoneNumber], 'opt_out', keyword);
  return { phoneNumber, keyword };
}
