import { Link } from 'react-router-dom';
import { formatDate, formatMoney } from '../../lib/format';
import { EtapeBadge } from '../../components/badges';
import { AvancerEtapeButton } from './AvancerEtapeButton';
import type { OpportuniteRow } from '../../components/columns/opportuniteColumns';

export function OpportuniteCard({ o }: { o: OpportuniteRow }) {
  return (
    <div className="card-body">
      <Link className="card-title" to={`/opportunites/${o.id}`}>
        {o.nom}
      </Link>
      <div className="muted small">{o.clientNom}</div>
      <div className="card-row">
        <strong>{formatMoney(o.montant)}</strong>
        <span className="muted small">{o.probabilite} %</span>
      </div>
      <div className="small muted">
        {[
          o.dateConclusionEstimee ? `Échéance ${formatDate(o.dateConclusionEstimee)}` : 'Sans échéance',
          o.responsableNom,
        ]
          .filter(Boolean)
          .join(' · ')}
      </div>
      {o.etape === 'conclusion' ? (
        <EtapeBadge etape={o.etape} resultat={o.resultat} />
      ) : (
        <AvancerEtapeButton id={o.id} nom={o.nom} etape={o.etape} small />
      )}
    </div>
  );
}
