import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { DetailList } from '../../components/DetailList';
import { DataTable } from '../../components/DataTable';
import { EmptyState, QueryState } from '../../components/Status';
import { DeleteButton } from '../../components/DeleteButton';
import { ProjetStatutBadge, RetardBadge } from '../../components/badges';
import { TACHE_COLUMNS } from '../../components/columns/tacheColumns';

export function ProjetDetailPage() {
  const id = Number(useParams().id);
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const projet = useQuery(trpc.projets.get.queryOptions({ id }));
  const taches = useQuery(trpc.taches.list.queryOptions({ projet: id, pageSize: 50, ordering: 'dateEcheance' }));
  const p = projet.data;
  return (
    <QueryState query={projet} notFound={{ to: '/projets', label: 'Retour aux projets' }}>
      {p && (
        <>
          <PageHeader
            title={p.titre}
            subtitle={
              <>
                Client : <Link to={`/clients/${p.client}`}>{p.clientNom}</Link>
              </>
            }
            actions={
              <>
                <Link className="btn btn--ghost" to={`/projets/${p.id}/modifier`}>
                  Modifier
                </Link>
                <DeleteButton
                  what={`le projet ${p.titre}`}
                  onDelete={() => client.projets.delete.mutate({ id: p.id })}
                  onDone={() => {
                    void queryClient.invalidateQueries();
                    navigate('/projets');
                  }}
                />
              </>
            }
          />
          <section className="card">
            <DetailList
              items={[
                [
                  'Statut',
                  <>
                    <ProjetStatutBadge value={p.statut} /> <RetardBadge late={p.enRetard} />
                  </>,
                ],
                ['Budget', formatMoney(p.budget)],
                ['Début', formatDate(p.dateDebut)],
                ['Fin', formatDate(p.dateFin)],
                ['Durée', p.duree == null ? '' : `${p.duree} jour${p.duree > 1 ? 's' : ''}`],
                [
                  'Devis associé',
                  p.devisAssocie ? (
                    <Link key="devis" to={`/devis/${p.devisAssocie}`}>
                      Devis n° {p.devisAssocie}
                    </Link>
                  ) : (
                    ''
                  ),
                ],
                ['Créé le', formatDateTime(p.dateCreation)],
                ['Modifié le', formatDateTime(p.dateModification)],
              ]}
            />
            {p.description && <p className="prewrap">{p.description}</p>}
          </section>
          <section className="card">
            <div className="card-header">
              <h2>Tâches du projet</h2>
              <Link className="btn btn--ghost btn--small" to={`/taches/nouvelle?client=${p.client}&projet=${p.id}`}>
                + Nouvelle tâche
              </Link>
            </div>
            <QueryState
              query={taches}
              isEmpty={taches.data?.results.length === 0}
              empty={<EmptyState title="Aucune tâche pour ce projet." />}
            >
              <DataTable
                caption="Tâches du projet"
                columns={TACHE_COLUMNS.filter((c) => c.header !== 'Projet')}
                rows={taches.data?.results ?? []}
              />
            </QueryState>
          </section>
        </>
      )}
    </QueryState>
  );
}
