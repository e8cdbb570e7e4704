import type { TokenScope } from '../tokens/personal-tokens.js';

export type Role = 'member' | 'admin';
/**
 * Who is asking: a member or admin with an open session, or undefined for a guest. `scopes` is set only when the
 * session is a personal access token (SPEC §16), and says what it may do; a login may do everything.
 */
export type Viewer = { id: string; role: Role; sessionId: string | undefined; scopes?: readonly TokenScope[] };
export type SessionClaims = { userId: string; sessionId: string };
