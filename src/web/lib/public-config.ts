import { useQuery } from '@tanstack/react-query';
import type { PublicConfig } from '../api/types.js';
import { publicConfigQuery } from './queries.js';

/**
 * The product's numbers (price, rate per copy, paid copies per period, hold, minimum payout) as the server is
 * configured: GET /v1/config/public, fetched once and shared by every component (and rendered into server pages).
 * Never hard-code them in the web app. Undefined until the answer arrives.
 */
export function usePublicConfig(): PublicConfig | undefined {
  return useQuery(publicConfigQuery()).data;
}
