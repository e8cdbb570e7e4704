import { EmptyState } from '../components/states.js';
import { Link } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <EmptyState title="Page not found">
      <p>
        There is nothing at this address. <Link to="/">Browse the library</Link>
      </p>
    </EmptyState>
  );
}
