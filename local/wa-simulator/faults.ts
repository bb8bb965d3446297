/**
 * Faults on demand, the way WhatsApp produces them: another login elsewhere (440 conflict), the user
 * unlinking the device from the phone (401 device_removed, later logins refused), a dead TCP connection
 * (the client sees the socket close), a connection that goes silent (no answers, not even to pings, so the
 * client's keep-alive gives up with 408), and slow answers (every frame delayed by N ms, order kept).
 * Targets are a phone number (all its companion devices) or `phone:device`.
 */
import { ValidationError } from '../../core/errors.ts';
import { node } from './binary-node.ts';
import type { SimConnection } from './connection.ts';
import type { DeviceHub } from './device-hub.ts';
import type { CompanionDevice, Directory } from './directory.ts';

export interface FaultTarget {
  readonly phone: string;
  readonly deviceId: number | undefined;
}

/** Parses `4915112345678`, `+4915112345678` or `4915112345678:1`. */
export function parseTarget(value: string): FaultTarget {
  const match = /^\+?([0-9]{5,20})(?::([0-9]{1,3}))?$/.exec(value.trim());
  if (!match?.[1]) throw new ValidationError('device must be a phone number, optionally with :deviceId');
  return { phone: match[1], deviceId: match[2] === undefined ? undefined : Number(match[2]) };
}

export class Faults {
  /** Delay applied to every frame the simulator sends, in ms. */
  slowMs = 0;

  constructor(
    private readonly deps: {
      readonly directory: Directory;
      readonly hub: DeviceHub;
      readonly changed: () => void;
    },
  ) {}

  /** Sends `<stream:error><conflict type="replaced"/>` (Baileys: 440) to the target's open connections. */
  conflict(target: string): number {
    return this.each(target, (connection) => connection.streamError({}, node('conflict', { type: 'replaced' })));
  }

  /** Unlinks the target's devices: 401 device_removed to live connections, later logins fail with 401. */
  logout(target: string): number {
    const { phone, deviceId } = parseTarget(target);
    const devices = (this.deps.directory.existing(phone)?.activeDevices() ?? []).filter((d) => deviceId === undefined || d.deviceId === deviceId);
    for (const device of devices) this.remove(device);
    return devices.length;
  }

  /** Marks a device removed and tells its live connections (also used when the client logs itself out). */
  remove(device: CompanionDevice): void {
    if (device.removed) return;
    device.removed = true;
    for (const connection of this.deps.hub.connectionsOf(device.phone, device.deviceId)) {
      connection.streamError({ code: '401' }, node('conflict', { type: 'device_removed' }));
    }
    this.deps.hub.removed(device);
    this.deps.changed();
  }

  /** Cuts the TCP connection of the target's connections without any close handshake. */
  drop(target: string): number {
    return this.each(target, (connection) => connection.drop());
  }

  /** The target's current connections stop answering anything; new connections behave normally. */
  silence(target: string): number {
    return this.each(target, (connection) => {
      connection.silent = true;
    });
  }

  setSlow(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new ValidationError('slow delay must be a non-negative number of ms');
    this.slowMs = ms;
  }

  private each(target: string, act: (connection: SimConnection) => void): number {
    const { phone, deviceId } = parseTarget(target);
    const connections = this.deps.hub.connectionsOf(phone, deviceId).filter((connection) => connection.isOpen);
    for (const connection of connections) act(connection);
    return connections.length;
  }
}
