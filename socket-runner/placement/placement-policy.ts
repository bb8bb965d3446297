/**
 * How many sessions this runner should hold (D4 placement), as pure functions of what it sees: the number
 * of runnable sessions, its live peers (from their heartbeats) and what it holds.
 *
 * - Fair share: ceil(sessions / runners with a slot, this one included).
 * - Claiming: up to the fair share while some peer is still below it (so a newcomer fills up first); up to
 *   fair share + slack otherwise, so leftovers (a dead runner's sessions, before its heartbeat has
 *   expired from everyone's count) are absorbed at once.
 * - Handing over: only above the fair share, and only when a peer is below it (it will take the session)
 *   or when this runner is above share + slack. Never below the fair share, so two runners cannot pass
 *   sessions back and forth.
 */
import { createHash } from 'node:crypto';

export interface PlacementView {
  /** Runnable sessions across the fleet. */
  readonly runnable: number;
  /** Sessions this runner holds or is claiming. */
  readonly owned: number;
  /** What each live peer with a slot (not draining) reported holding. */
  readonly peers: readonly number[];
  readonly slack: number;
}

export function fairShare(view: Pick<PlacementView, 'runnable' | 'peers'>): number {
  return Math.ceil(view.runnable / (view.peers.length + 1));
}

/** How many sessions this runner may hold after claiming. */
export function claimLimit(view: PlacementView): number {
  const share = fairShare(view);
  const peerBelowShare = view.peers.some((owned) => owned < share);
  return peerBelowShare ? share : share + view.slack;
}

export function shouldHandOver(view: PlacementView): boolean {
  const share = fairShare(view);
  if (view.owned <= share) return false;
  return view.owned > share + view.slack || view.peers.some((owned) => owned < share);
}

/**
 * A per-runner pseudo-random order over candidates: racing runners try different sessions first instead
 * of all contending for the same ones, and one runner's order is stable from tick to tick.
 */
export function preferenceOrder<T>(runnerId: string, items: readonly T[], keyOf: (item: T) => string): T[] {
  const rank = (item: T) => createHash('sha1').update(runnerId).update('\u0000').update(keyOf(item)).digest().readUInt32BE(0);
  return items
    .map((item) => ({ item, rank: rank(item) }))
    .sort((a, b) => a.rank - b.rank)
    .map((entry) => entry.item);
}
