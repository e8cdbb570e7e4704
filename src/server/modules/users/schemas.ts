import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  username: z.string(),
  role: z.enum(['member', 'admin']),
  is_creator: z.boolean(),
  created_at: isoDate,
});
export type UserView = z.input<typeof userSchema>;
