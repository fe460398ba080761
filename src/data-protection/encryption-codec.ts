import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import proto from '@temporalio/proto';

/** The `encoding` of a payload this codec wrote; anything else passes through untouched. */
export const encryptedEncoding = 'binary/encrypted';
/** Which key of the ring sealed the payload, so a rotated ring still opens it. */
export const keyIdMetadataKey = 'encryption-key-id';

const algorithm = 'aes-256-gcm';
const ivBytes = 12;
const tagBytes = 16;

/**
 * The keys a codec may use: `activeKeyId` seals new payloads, every key in `keys` opens old ones. Rotation adds a key,
 * makes it active and keeps the old ones until no history that needs them is retained.
 */
export interface CodecKeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * AES-256-GCM over the whole serialized payload (metadata included, so the original `encoding` is hidden too). The
 * key id rides in the clear in the new payload's metadata and is bound to the ciphertext as additional authenticated
 * data: moving a ciphertext under another key id fails the tag check instead of decrypting with the wrong key.
 *
 * Payloads without our encoding are returned as they are: histories written before encryption was switched on,
 * and runs started by older clients, stay readable.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: CodecKeyRing) {
    if (!ring.keys.has(ring.activeKeyId)) throw new Error(`the active codec key "${ring.activeKeyId}" is not in the key ring`);
    for (const [id, key] of ring.keys) {
      if (key.length !== 32) throw new Error(`codec key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
    }
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.activeKeyId;
    const key = this.ring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagBytes });
      cipher.setAAD(associatedData(keyId));
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: textEncoder.encode(encryptedEncoding), [keyIdMetadataKey]: textEncoder.encode(keyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || textDecoder.decode(encoding) !== encryptedEncoding) return payload;
      const keyIdBytes = payload.metadata?.[keyIdMetadataKey];
      if (!keyIdBytes) throw new ValueError('an encrypted payload carries no encryption key id');
      const keyId = textDecoder.decode(keyIdBytes);
      const key = this.ring.keys.get(keyId);
      if (!key) throw new ValueError(`no codec key "${keyId}" in the key ring (was it removed while histories still need it?)`);
      const sealed = payload.data ?? new Uint8Array();
      if (sealed.length < ivBytes + tagBytes) throw new ValueError('an encrypted payload is too short to hold its IV and tag');
      const decipher = createDecipheriv(algorithm, key, sealed.subarray(0, ivBytes), { authTagLength: tagBytes });
      decipher.setAAD(associatedData(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(ivBytes, sealed.length - tagBytes)), decipher.final()]);
      } catch {
        throw new ValueError(`an encrypted payload failed its integrity check under key "${keyId}"`);
      }
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

function associatedData(keyId: string) {
  return Buffer.from(`${encryptedEncoding}\0${keyId}`);
}
