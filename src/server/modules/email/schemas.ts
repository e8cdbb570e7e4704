import { z } from 'zod';
import { uuidParam } from '../../http/schemas.js';

export const unsubscribeQuery = z.object({
  token: z.string().min(1).max(200).describe('The signed token from the unsubscribe link of a summary email'),
});

export const htmlPage = z.string().describe('An HTML page');

export const outboxIdParams = z.object({ id: uuidParam });
