import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { DetailList, StatCard } from '../../components/DetailList';
import { DataTable } from '../../components/DataTable';
import { EmptyState, QueryState } from '../../components/Status';
import { DeleteButton } from '../../components/DeleteButton';
import { EtapeBadge } from '../../components/badges';
import { DEVIS_COLUMNS } from '../../components/columns/devisColumns';
import { AvancerEtapeButton } from './AvancerEtapeButton';
import { Timeline } from '../../components/timeline/Timeline';

export function OpportuniteDetailPage() {
  const id = Number(useParams().id);
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const opp = useQuery(trpc.opportunites.get.queryOptions({ id }));
  const devis = useQuery(trpc.devis.list.queryOptions({ opportunite: id, ordering: '-version', pageSize: 50 }));
  const o = opp.data;
  return (
    <QueryState query={opp} notFound={{ to: '/opportunites', label: 'Retour aux opportunités' }}>
      {o && (
        <>
          <PageHeader
            title={o.nom}
            subtitle={
              <>
                Client : <Link to={`/clients/${o.client}`}>{o.clientNom}</Link>
              </>
            }
            actions={
              <>
                <AvancerEtapeButton id={o.id} nom={o.nom} etape={o.etape} />
                <Link className="btn btn--ghost" to={`/opportunites/${o.id}/modifier`}>
                  Modifier
                </Link>
                <DeleteButton
                  what={`l'opportunité ${o.nom}`}
                  onDelete={() => client.opportunites.delete.mutate({ id: o.id })}
                  onDone={() => {
                    void queryClient.invalidateQueries();
                    navigate('/opportunites');
                  }}
                />
              </>
            }
          />
          <section className="stats" aria-label="Montants">
            <StatCard label="Montant" value={formatMoney(o.montant)} />
            <StatCard label="Probabilité" value={`${o.probabilite} %`} />
            <StatCard label="Valeur pondérée" value={formatMoney(o.valeurPonderee)} />
            <StatCard label="Étape" value={<EtapeBadge etape={o.etape} resultat={o.resultat} />} />
          </section>
          <section className="card">
            <DetailList
              items={[
                ['Responsable', o.responsableNom],
                ['Conclusion estimée', formatDate(o.dateConclusionEstimee)],
                ...(o.resultat === 'perdue' ? ([['Motif de la perte', o.motifPerte]] as [string, string][]) : []),
                ['Créée le', formatDateTime(o.dateCreation)],
                ['Modifiée le', formatDateTime(o.dateModification)],
              ]}
            />
            {o.notes && (
              <>
                <h3>Notes</h3>
                <p className="prewrap">{o.notes}</p>
              </>
            )}
          </section>
          <section className="card">
            <div className="card-header">
              <h2>Devis</h2>
              <Link className="btn btn--ghost btn--small" to={`/devis/nouveau?opportunite=${o.id}`}>
                + Nouveau devis
              </Link>
            </div>
            <QueryState
              query={devis}
              isEmpty={devis.data?.results.length === 0}
              empty={<EmptyState title="Aucun devis pour cette opportunité." />}
            >
              <DataTable
                caption="Devis de l'opportunité"
                columns={DEVIS_COLUMNS.filter((c) => c.header !== 'Opportunité')}
                rows={devis.data?.results ?? []}
              />
            </QueryState>
          </section>
          <Timeline parent="opportunite" id={o.id} clientId={o.client} />
        </>
      )}
    </QueryState>
  );
}
