import { z } from 'zod';
import { isoDate, uuidParam } from '../../http/schemas.js';
import { TOKEN_SCOPES } from './personal-tokens.js';

export const MAX_TOKEN_DAYS = 365;

const scope = z.enum(TOKEN_SCOPES);

export const createTokenBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}]*$/u, { error: 'no control characters' })
    .describe('what the token is for, e.g. "Claude Desktop on my laptop"'),
  scopes: z
    .array(scope)
    .min(1)
    .max(10)
    .transform((values) => TOKEN_SCOPES.filter((s) => values.includes(s)))
    .describe('flows:read: search, read flows and your usage; flows:copy: copy flows (counted like the Copy button)'),
  expires_in_days: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(MAX_TOKEN_DAYS).describe('default: one year'),
});
export type CreateTokenInput = z.infer<typeof createTokenBody>;

export const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(scope),
  created_at: isoDate,
  expires_at: isoDate,
  last_used_at: isoDate.nullable().describe('to the minute'),
  is_expired: z.boolean(),
});
export type TokenView = z.infer<typeof tokenView>;

export const createdTokenResponse = tokenView.omit({ last_used_at: true, is_expired: true }).extend({
  token: z.string().describe('the secret, shown this once: only its SHA-256 is stored'),
});
export type CreatedTokenView = z.infer<typeof createdTokenResponse>;

export const tokenListResponse = z.object({ items: z.array(tokenView) });

export const tokenIdParams = z.object({ id: uuidParam });
