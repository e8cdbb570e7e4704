import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');

/** Response schemas for the error statuses a route can answer with, for the OpenAPI document. */
export function problems<const S extends readonly number[]>(...statuses: S) {
  return Object.fromEntries(statuses.map((status) => [status, problemSchema])) as { [K in S[number]]: typeof problemSchema };
}

export const uuidParam = z.uuid({ error: 'must be a UUID' });
export const isoDate = z.string().describe('ISO 8601 timestamp');
export const bearerAuth = [{ bearerAuth: [] }];
