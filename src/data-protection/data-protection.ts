import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec.ts';
import { type DataProtectionKeys, generateKeyFile, type LoadKeysOptions, loadDataProtectionKeys, parseCodecKeys } from './keys.ts';
import { type TravelerPseudonym, travelerPseudonym } from './traveler-pseudonym.ts';

/** What every Temporal client and worker of the app is built with, from the same keys. */
export interface DataProtection {
  codec: EncryptionCodec;
  /** For Client and Worker options: payloads pass through the codec on their way to and from the server. */
  dataConverter: DataConverter;
  travelerPseudonym: TravelerPseudonym;
  /** The interim secret of the codec endpoint (see src/api/codec-endpoint.ts); absent, the endpoint is off. */
  codecOperatorToken?: string;
}

export function dataProtection(keys: DataProtectionKeys): DataProtection {
  const codec = new EncryptionCodec(keys.codec);
  return {
    codec,
    dataConverter: { payloadCodecs: [codec] },
    travelerPseudonym: travelerPseudonym(keys.travelerPseudonymKey),
    ...(keys.codecOperatorToken ? { codecOperatorToken: keys.codecOperatorToken } : {}),
  };
}

/** The keys from the environment or the data directory (see keys.ts), ready for clients and workers. */
export async function loadDataProtection(options: LoadKeysOptions): Promise<DataProtection> {
  return dataProtection(await loadDataProtectionKeys(options));
}

/** Fresh keys that live as long as the process: for a script or benchmark whose client and worker share it. */
export function ephemeralDataProtection(): DataProtection {
  const generated = generateKeyFile();
  const ring = Object.entries(generated.codec.keys).map(([id, key]) => `${id}=${key}`).join(',');
  return dataProtection({ codec: parseCodecKeys(ring, generated.codec.activeKeyId), travelerPseudonymKey: Buffer.from(generated.travelerPseudonymKey, 'base64') });
}
