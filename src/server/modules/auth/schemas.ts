import { z } from 'zod';
import { userSchema } from '../users/schemas.js';

export const registerBody = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(254),
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, "_" and "-"' }),
  // The rule (at least 10 characters, not the username or email) is checked by the service, for every way in.
  password: z.string().min(1).max(256).describe('At least 10 characters, not your username or email address'),
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

const accountToken = z.string().min(1).max(200).describe('The token from the link in the mail');

export const verifyEmailBody = z.strictObject({ token: accountToken });

export const passwordResetBody = z.strictObject({ email: z.email({ error: 'must be an email address' }).max(254) });

export const passwordResetConfirmBody = z.strictObject({
  token: accountToken,
  password: z.string().min(1).max(256).describe('The new password: at least 10 characters, not your username or email address'),
});

export const acceptedResponse = z.object({ status: z.literal('accepted'), detail: z.string() });
