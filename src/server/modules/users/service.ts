import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../http/errors.js';
import type { Viewer } from '../../http/viewer.js';
import { findUserById, hasPublishedFlow, type UserRow } from './repository.js';
import type { UserView } from './schemas.js';

export function toUserView(user: UserRow, isCreator: boolean): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    is_creator: isCreator,
    created_at: user.createdAt.toISOString(),
  };
}

export async function getCurrentUser(db: Db, viewer: Viewer): Promise<UserView> {
  const user = await findUserById(db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  return toUserView(user, await hasPublishedFlow(db, user.id));
}
