/**
 * What a deleted account's personal fields become (SPEC §13): unique, so the unique indexes hold, and unroutable, so
 * nothing is ever sent there — `.invalid` is reserved (RFC 2606) and no mail is queued to it (email/service.ts). A
 * username of 44 characters cannot be registered (at most 32), and no one may register or switch to an address
 * under the erased domain, so an erased value never collides with a live one.
 */
export const ERASED_EMAIL_DOMAIN = 'deleted.invalid';

export function erasedEmailOf(userId: string): string {
  return `deleted-${userId}@${ERASED_EMAIL_DOMAIN}`;
}

export function erasedUsernameOf(userId: string): string {
  return `deleted-${userId}`;
}

export function isErasedEmail(address: string): boolean {
  return address.trim().toLowerCase().endsWith(`@${ERASED_EMAIL_DOMAIN}`);
}
