import { z } from 'zod';
import { userSchema } from '../users/schemas.js';

export const registerBody = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(254),
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, "_" and "-"' }),
  password: z.string().min(8, { error: 'must be at least 8 characters' }).max(256),
});
export type RegisterInput = z.infer<typeof registerBody>;

export const tokenBody = z.strictObject({
  login: z.string().min(1).max(254).describe('email or username'),
  password: z.string().min(1).max(256),
});

export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
});

export const registerResponse = tokenResponse.extend({ user: userSchema });
