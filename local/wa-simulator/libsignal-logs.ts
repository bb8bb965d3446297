/**
 * libsignal prints whole session records (private keys included) with console.info / console.warn whenever
 * a session is opened, closed or replaced. The standalone simulator process drops those lines so its output
 * stays readable and free of key material; its own logging goes through the injected logger. Not used in
 * test processes, which also run Baileys and should see what a runner would see.
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

/** Filters libsignal's session dumps out of console.info / console.warn for the rest of the process. */
export function silenceLibsignalSessionLogs(): void {
  for (const level of ['info', 'warn'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && LIBSIGNAL_PREFIXES.some((prefix) => first.startsWith(prefix))) return;
      original(...args);
    };
  }
}
