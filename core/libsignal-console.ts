/**
 * libsignal (Baileys' Signal implementation) prints whole session records — private keys included — with
 * console.info / console.warn whenever a session is opened, closed or replaced. No process of ours may ship
 * those lines: the socket runner mutes them when its Baileys adapter is first built, the standalone
 * simulator and the bench processes that run Baileys at start-up. Everything else on the console passes.
 * Shared here so the runner does not depend on the simulator for it.
 */

/** How libsignal's session dumps begin (libsignal/src/session_record.js, session_builder.js, session_cipher.js). */
const SESSION_DUMP_PREFIXES = [
  'Closing session',
  'Opening session',
  'Removing old closed session',
  'Session already closed',
  'Session already open',
  'Closing open session in favor of incoming prekey bundle',
  'Decrypted message with closed session',
  'Migrating session to',
];

type ConsoleLevels = Pick<Console, 'info' | 'warn' | 'log'>;

const muted = new WeakSet<ConsoleLevels>();

/** True for the arguments of a console call that is one of libsignal's session dumps. */
export function isLibsignalSessionDump(args: readonly unknown[]): boolean {
  const first = args[0];
  return typeof first === 'string' && SESSION_DUMP_PREFIXES.some((prefix) => first.startsWith(prefix));
}

/** Drops libsignal's session dumps from `target` (the process console) from now on; once per target. */
export function muteLibsignalSessionDumps(target: ConsoleLevels = console): void {
  if (muted.has(target)) return;
  muted.add(target);
  for (const level of ['info', 'warn', 'log'] as const) {
    const original = target[level].bind(target);
    target[level] = (...args: unknown[]) => {
      if (!isLibsignalSessionDump(args)) original(...args);
    };
  }
}
