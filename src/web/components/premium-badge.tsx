export function PremiumBadge({ isPremium }: { isPremium: boolean }) {
  return isPremium ? (
    <span className="badge badge-premium" title="Premium: subscribers copy the full flow">
      Premium
    </span>
  ) : (
    <span className="badge badge-free">Free</span>
  );
}
