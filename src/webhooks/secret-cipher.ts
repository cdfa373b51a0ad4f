// Encryption at rest of webhook secrets. A signing secret must be recoverable (HMAC needs it), so
// it cannot be hashed like an API key; with WEBHOOK_SECRET_ENCRYPTION_KEY set it is sealed with
// AES-256-GCM (NIST SP 800-38D: 96-bit random IV, 128-bit tag), bound to its owner and row id as
// additional data so a ciphertext copied to another owner's row does not open. Without the key
// the secret is stored as is (documented in docs/callbacks.md).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export interface SecretCipher {
  seal(plain: string, context: string): string;
  open(stored: string, context: string): string;
}

/** A key of any length ≥ 16 characters is stretched to 32 bytes with HKDF-SHA256 (RFC 5869). */
export function createSecretCipher(configuredKey: string | undefined): SecretCipher {
  if (!configuredKey) {
    return {
      seal: (plain) => plain,
      open: (stored) => {
        if (stored.startsWith(PREFIX))
          throw new Error('a webhook secret is encrypted but no WEBHOOK_SECRET_ENCRYPTION_KEY is set');
        return stored;
      },
    };
  }
  const key = Buffer.from(hkdfSync('sha256', configuredKey, 'async-jobs', 'webhook-secret-at-rest', 32));
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    },
    open(stored, context) {
      // Rows written before the key was configured stay readable.
      if (!stored.startsWith(PREFIX)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
