/** /u/{username}: a creator's public profile (SPEC §15). Built by the profile work of issue 15. */
export function ProfilePage({ username }: { username: string }) {
  return <h1>{username}</h1>;
}
