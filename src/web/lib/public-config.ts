import type { PublicConfig } from '../api/types.js';
import { api } from '../api/endpoints.js';
import { useResource } from './use-resource.js';

/**
 * The product's numbers (price, rate per copy, paid copies per period, hold, minimum payout) as the server is
 * configured: GET /v1/config/public. Never hard-code them in the web app. Undefined until the answer arrives.
 */
export function usePublicConfig(): PublicConfig | undefined {
  const resource = useResource((signal) => api.publicConfig({ signal }), []);
  return resource.status === 'ready' ? resource.data : undefined;
}
