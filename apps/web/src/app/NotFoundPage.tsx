import { Link } from 'react-router-dom';
import { EmptyState } from '../components/Status';

export function NotFoundPage() {
  return (
    <EmptyState title="Page introuvable.">
      <Link to="/">Retour au tableau de bord</Link>
    </EmptyState>
  );
}
