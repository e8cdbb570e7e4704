import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/*
 * Mailed links (verify an address, reset a password, confirm a new address) carry a token that is stored only as its
 * SHA-256 (account_tokens). The mail itself is written to the outbox in the transaction that made the token and sent
 * later, so the outbox has to hold the token too: it holds it sealed (AES-256-GCM, a key derived from JWT_SECRET),
 * so a copy of the database alone opens no account. The sealed form is opened only to render the mail.
 */

const VERSION = 'v1';
const keys = new Map<string, Buffer>();

function keyFor(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'flowtab', 'flowtab:mail-link-token', 32));
    keys.set(secret, key);
  }
  return key;
}

export function sealLinkToken(secret: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The token, or undefined when it was sealed with another secret (rotated) or is not a sealed token at all. */
export function openLinkToken(secret: string, sealed: string): string | undefined {
  const [version, payload, ...rest] = sealed.split('.');
  if (version !== VERSION || !payload || rest.length > 0) return undefined;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
