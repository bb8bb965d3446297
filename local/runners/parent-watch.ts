/**
 * Preloaded (`--import`) into every runner the local stack starts: if the stack process dies without
 * stopping its runners (killed, crashed), the IPC channel to it closes and the runner is sent SIGTERM, so it
 * hands its sessions over and exits instead of living on against emulators that are gone. A runner stopped
 * by the stack has exited before the channel closes. The channel does not keep the runner alive.
 */
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
} else if (process.send && !process.connected) {
  process.kill(process.pid, 'SIGTERM'); // the stack was gone before this runner finished starting
}
