// Encrypts every payload Temporal stores (workflow input and results, activity arguments and results, queries,
// signals, memos) with AES-256-GCM, so portfolio and trade data are not readable in Temporal's database or by a
// client without the key. The same codec runs in the client, the worker and the codec server the Web UI calls.
// Format, after temporalio/samples-typescript `encryption`: the whole original Payload (metadata + data) serialized
// as protobuf is the plaintext; data = 12-byte IV | ciphertext | 16-byte tag; the key id is in the metadata (and
// authenticated as associated data), so payloads written under a retired key still decode from the key ring.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : '');

/** Thrown when a payload cannot be decrypted: unknown key id, wrong key, or tampered bytes. Names the key id. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export interface PayloadKeyRing {
  /** Id new payloads are encrypted with. */
  currentId: string;
  /** Every key that may decode, by id, base64 (32 bytes each); includes currentId. */
  keys: Record<string, string>;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(private readonly ring: PayloadKeyRing) {
    this.keys = new Map(Object.entries(ring.keys).map(([id, k]) => [id, Buffer.from(k, 'base64')]));
    const current = this.keys.get(ring.currentId);
    if (!current || current.length !== 32) throw new Error(`payload key ${ring.currentId} must be 32 bytes`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.ring.currentId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(this.ring.currentId));
      const body = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.ring.currentId), [CIPHER_METADATA]: utf8(CIPHER) },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before the codec was turned on stay readable.
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      const key = this.keys.get(id);
      if (!key) {
        throw new PayloadDecryptionError(`payload encrypted with key id ${JSON.stringify(id)}, which this process does not have `
          + `(it has ${[...this.keys.keys()].join(', ')}: set TICKFLOW_PAYLOAD_OLD_KEYS to decode older payloads)`);
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`payload encrypted with key id ${JSON.stringify(id)} is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain) as Payload;
      } catch {
        throw new PayloadDecryptionError(`payload encrypted with key id ${JSON.stringify(id)} does not decrypt with this process's key of that id `
          + '(wrong TICKFLOW_PAYLOAD_KEY, or the payload was altered)');
      }
    });
  }
}

/** Failure messages and stack traces as encoded (hence encrypted) attributes: see failure-converter.ts. */
export const ENCODED_FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter every client and worker of this configuration uses: the codec (and encoded failures) when a
 * key is set, else the SDK's default. A worker's workflow bundle must be built with the same failureConverterPath.
 */
export function dataConverterFor(config: Pick<Config, 'payloadKeys'>): DataConverter | undefined {
  return config.payloadKeys ? { payloadCodecs: [new AesGcmPayloadCodec(config.payloadKeys)], failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH } : undefined;
}
