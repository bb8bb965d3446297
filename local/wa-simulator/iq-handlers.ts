/**
 * Answers the iq queries a Baileys client sends: keep-alive pings, prekey count / upload / rotation /
 * digest, prekey bundles for the devices it wants sessions with, usync (device lists with LIDs, contact
 * checks), passive, logout (`remove-companion-device`) and the pairing-code stages. Any iq it does not
 * recognise gets an empty result, because an unanswered iq stalls Baileys for 60 s.
 */
import { getBinaryNodeChild, getBinaryNodeChildren } from '@whiskeysockets/baileys';
import { KEY_BUNDLE_TYPE } from '@whiskeysockets/baileys';
import { bigEndian, childrenOf, contentBytes, iqResult, node, unixTime, type BinaryNode } from './binary-node.ts';
import type { SimConnection } from './connection.ts';
import { PN_SERVER, phoneDigits, type CompanionDevice, type Directory } from './directory.ts';
import type { Registration } from './registration.ts';
import type { WireBundle } from './signal-party.ts';

export interface IqDeps {
  readonly directory: Directory;
  readonly registration: Registration;
  /** Something worth persisting changed. */
  readonly changed: () => void;
  /** The client logged its own device out. */
  readonly removeDevice: (device: CompanionDevice) => void;
}

export function handleIq(deps: IqDeps, connection: SimConnection, iq: BinaryNode): void {
  const type = iq.attrs.type;
  if (type !== 'get' && type !== 'set') return; // answers to server iqs nobody waits for (pair-device)
  switch (iq.attrs.xmlns) {
    case 'encrypt':
      connection.send(encrypt(deps, connection.device, iq));
      return;
    case 'usync':
      connection.send(usync(deps.directory, iq));
      return;
    case 'md':
      if (deps.registration.handleMd(connection, iq)) return;
      if (getBinaryNodeChild(iq, 'remove-companion-device') && connection.device) deps.removeDevice(connection.device);
      connection.send(iqResult(iq));
      return;
    default:
      connection.send(iqResult(iq));
  }
}

function encrypt(deps: IqDeps, device: CompanionDevice | undefined, iq: BinaryNode): BinaryNode {
  if (getBinaryNodeChild(iq, 'count')) {
    return iqResult(iq, [node('count', { value: String(device?.preKeys.count ?? 0) })]);
  }
  if (getBinaryNodeChild(iq, 'digest')) return iqResult(iq, [node('digest', {})]);
  const keyRequest = getBinaryNodeChild(iq, 'key');
  if (keyRequest) return iqResult(iq, [node('list', {}, getBinaryNodeChildren(keyRequest, 'user').map((user) => bundleNode(deps, user.attrs.jid ?? '')))]);
  if (device && getBinaryNodeChild(iq, 'list')) {
    storeUpload(device, iq);
    deps.changed();
  } else if (device && getBinaryNodeChild(iq, 'rotate')) {
    const skey = getBinaryNodeChild(getBinaryNodeChild(iq, 'rotate'), 'skey');
    if (skey) device.signedPreKey = readSignedPreKey(skey) ?? device.signedPreKey;
    deps.changed();
  }
  return iqResult(iq);
}

/** Keeps what an `encrypt set` upload carries: registration, identity, signed prekey and one-time prekeys. */
function storeUpload(device: CompanionDevice, iq: BinaryNode): void {
  const registration = contentBytes(getBinaryNodeChild(iq, 'registration'));
  const identity = contentBytes(getBinaryNodeChild(iq, 'identity'));
  const skey = getBinaryNodeChild(iq, 'skey');
  if (registration?.length) device.registrationId = registration.readUIntBE(0, Math.min(registration.length, 6));
  if (identity?.length === 32) device.identityKey = identity;
  const signed = skey && readSignedPreKey(skey);
  if (signed) device.signedPreKey = signed;
  const keys = getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key').flatMap((key) => {
    const id = contentBytes(getBinaryNodeChild(key, 'id'));
    const publicKey = contentBytes(getBinaryNodeChild(key, 'value'));
    return id?.length && publicKey ? [{ id: id.readUIntBE(0, id.length), publicKey }] : [];
  });
  device.preKeys.add(keys);
}

function readSignedPreKey(skey: BinaryNode): CompanionDevice['signedPreKey'] | undefined {
  const id = contentBytes(getBinaryNodeChild(skey, 'id'));
  const publicKey = contentBytes(getBinaryNodeChild(skey, 'value'));
  const signature = contentBytes(getBinaryNodeChild(skey, 'signature'));
  if (!id?.length || publicKey?.length !== 32 || !signature) return undefined;
  return { id: id.readUIntBE(0, id.length), publicKey, signature };
}

/** One `<user>` of a key-bundle answer: the phone's own bundle for device 0, a companion's upload otherwise. */
function bundleNode(deps: IqDeps, jid: string): BinaryNode {
  const resolved = deps.directory.resolve(jid);
  const companion = resolved && resolved.deviceId > 0 ? resolved.phone.devices.get(resolved.deviceId) : undefined;
  let bundle: WireBundle | undefined;
  if (resolved?.deviceId === 0) bundle = resolved.phone.party.bundle();
  else if (companion && !companion.removed) {
    const preKey = companion.preKeys.take();
    deps.changed();
    bundle = {
      registrationId: companion.registrationId,
      identityKey: companion.identityKey,
      signedPreKey: companion.signedPreKey,
      ...(preKey ? { preKey: { id: preKey.id, publicKey: preKey.publicKey } } : {}),
    };
  }
  if (!bundle) return node('user', { jid }, [node('error', { code: '404', text: 'item-not-found' })]);
  const content: BinaryNode[] = [
    node('registration', {}, bigEndian(bundle.registrationId, 4)),
    node('type', {}, Buffer.from(KEY_BUNDLE_TYPE)),
    node('identity', {}, bundle.identityKey),
    node('skey', {}, [
      node('id', {}, bigEndian(bundle.signedPreKey.id, 3)),
      node('value', {}, bundle.signedPreKey.publicKey),
      node('signature', {}, bundle.signedPreKey.signature),
    ]),
  ];
  if (bundle.preKey) {
    content.push(node('key', {}, [node('id', {}, bigEndian(bundle.preKey.id, 3)), node('value', {}, bundle.preKey.publicKey)]));
  }
  return node('user', { jid }, content);
}

/** usync: per user, the protocols asked for (devices, lid, contact); others are left out. */
function usync(directory: Directory, iq: BinaryNode): BinaryNode {
  const request = getBinaryNodeChild(iq, 'usync');
  const protocols = childrenOf(getBinaryNodeChild(request, 'query')).map((child) => child.tag);
  const users = getBinaryNodeChildren(getBinaryNodeChild(request, 'list'), 'user').map((user) => {
    const contact = contentBytes(getBinaryNodeChild(user, 'contact'))?.toString('utf8');
    const number = contact ? phoneDigits(contact) : undefined;
    const jid = user.attrs.jid ?? (number ? `${number}@${PN_SERVER}` : '');
    const content: BinaryNode[] = [];
    for (const protocol of protocols) {
      if (protocol === 'contact') {
        const known = number ? directory.isOnWhatsApp(number) : Boolean(directory.resolve(jid));
        content.push(node('contact', { type: known ? 'in' : 'out' }));
      } else if (protocol === 'devices') {
        content.push(devicesNode(directory, jid));
      } else if (protocol === 'lid') {
        const resolved = directory.resolve(jid);
        if (resolved) content.push(node('lid', { val: resolved.phone.lidJid }));
      }
    }
    return node('user', { jid }, content);
  });
  return iqResult(iq, [
    node('usync', { sid: request?.attrs.sid ?? '', index: '0', last: 'true' }, [node('list', {}, users)]),
  ]);
}

/** Device 0 (the phone) plus every paired companion, each with its key index. */
function devicesNode(directory: Directory, jid: string): BinaryNode {
  const phone = directory.resolve(jid)?.phone;
  const devices = phone
    ? [node('device', { id: '0' }), ...phone.activeDevices().map((d) => node('device', { id: String(d.deviceId), 'key-index': String(d.keyIndex) }))]
    : [];
  return node('devices', {}, [node('device-list', {}, devices), node('key-index-list', { ts: unixTime() })]);
}
