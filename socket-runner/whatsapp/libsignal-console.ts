/**
 * libsignal (Baileys' Signal implementation) prints whole session records — private keys included — with
 * console.info / console.warn whenever a session is opened, closed or replaced. A runner process must not
 * ship those lines to its logs: this drops them, once per process, when the Baileys adapter is first used.
 */
const LIBSIGNAL_PREFIXES = [
  'Closing session',
  'Opening session',
  'Removing old closed session',
  'Session already closed',
  'Session already open',
  'Closing open session in favor of incoming prekey bundle',
  'Decrypted message with closed session',
  'Migrating session to',
];

let installed = false;

export function muteLibsignalSessionDumps(): void {
  if (installed) return;
  installed = true;
  for (const level of ['info', 'warn', 'log'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && LIBSIGNAL_PREFIXES.some((prefix) => first.startsWith(prefix))) return;
      original(...args);
    };
  }
}
