import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { DataTable } from '../../components/DataTable';
import { EmptyState, QueryState } from '../../components/Status';
import { PROJET_COLUMNS } from '../../components/columns/projetColumns';
import { OPPORTUNITE_COLUMNS } from '../../components/columns/opportuniteColumns';
import { TACHE_COLUMNS } from '../../components/columns/tacheColumns';

const PAGE = { page: 1, pageSize: 10 };

/** The client's projets, opportunités and tâches (first 10 each, with a link to the filtered list). */
export function ClientSubLists({ clientId }: { clientId: number }) {
  const trpc = useTRPC();
  const projets = useQuery(trpc.projets.list.queryOptions({ ...PAGE, client: clientId, ordering: '-dateCreation' }));
  const opps = useQuery(trpc.opportunites.list.queryOptions({ ...PAGE, client: clientId, ordering: '-dateCreation' }));
  const taches = useQuery(trpc.taches.list.queryOptions({ ...PAGE, client: clientId, ordering: 'dateEcheance' }));
  return (
    <>
      <SubList
        title="Projets"
        count={projets.data?.count}
        all={`/projets?client=${clientId}`}
        add={`/projets/nouveau?client=${clientId}`}
        addLabel="Nouveau projet"
      >
        <QueryState
          query={projets}
          isEmpty={projets.data?.results.length === 0}
          empty={<EmptyState title="Aucun projet pour ce client." />}
        >
          <DataTable
            caption="Projets du client"
            columns={PROJET_COLUMNS.filter((c) => c.header !== 'Client')}
            rows={projets.data?.results ?? []}
          />
        </QueryState>
      </SubList>
      <SubList
        title="Opportunités"
        count={opps.data?.count}
        all={`/opportunites?client=${clientId}`}
        add={`/opportunites/nouvelle?client=${clientId}`}
        addLabel="Nouvelle opportunité"
      >
        <QueryState
          query={opps}
          isEmpty={opps.data?.results.length === 0}
          empty={<EmptyState title="Aucune opportunité pour ce client." />}
        >
          <DataTable
            caption="Opportunités du client"
            columns={OPPORTUNITE_COLUMNS.filter((c) => c.header !== 'Client')}
            rows={opps.data?.results ?? []}
          />
        </QueryState>
      </SubList>
      <SubList
        title="Tâches"
        count={taches.data?.count}
        all={`/taches?client=${clientId}`}
        add={`/taches/nouvelle?client=${clientId}`}
        addLabel="Nouvelle tâche"
      >
        <QueryState
          query={taches}
          isEmpty={taches.data?.results.length === 0}
          empty={<EmptyState title="Aucune tâche pour ce client." />}
        >
          <DataTable
            caption="Tâches du client"
            columns={TACHE_COLUMNS.filter((c) => c.header !== 'Client')}
            rows={taches.data?.results ?? []}
          />
        </QueryState>
      </SubList>
    </>
  );
}

function SubList({
  title,
  count,
  all,
  add,
  addLabel,
  children,
}: {
  title: string;
  count?: number;
  all: string;
  add: string;
  addLabel: string;
  children: ReactNode;
}) {
  return (
    <section className="card">
      <div className="card-header">
        <h2>
          {title} {count != null && <span className="count">{count}</span>}
        </h2>
        <div className="page-actions">
          {count != null && count > 10 && <Link to={all}>Voir tout</Link>}
          <Link className="btn btn--ghost btn--small" to={add}>
            + {addLabel}
          </Link>
        </div>
      </div>
      {children}
    </section>
  );
}
