import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { formatDateTime, formatMoney, formatPhone } from '../../lib/format';
import { PageHeader } from '../../components/PageHeader';
import { DetailList, StatCard } from '../../components/DetailList';
import { QueryState } from '../../components/Status';
import { DeleteButton } from '../../components/DeleteButton';
import { useCurrentUser } from '../../lib/currentUser';
import { ClientSubLists } from './ClientSubLists';
import { ClientContacts } from './ClientContacts';
import { Timeline } from '../../components/timeline/Timeline';

export function ClientDetailPage() {
  const id = Number(useParams().id);
  const trpc = useTRPC();
  const client = useQuery(trpc.clients.get.queryOptions({ id }));
  const c = client.data;
  return (
    <QueryState query={client} notFound={{ to: '/clients', label: 'Retour aux clients' }}>
      {c && (
        <>
          <PageHeader
            title={c.nom}
            subtitle={c.societe || undefined}
            actions={
              <>
                <Link className="btn btn--ghost" to={`/clients/${c.id}/modifier`}>
                  Modifier
                </Link>
                <DeleteClient id={c.id} nom={c.nom} />
              </>
            }
          />
          <section className="stats" aria-label="Indicateurs du client">
            <StatCard
              label="Valeur client"
              value={formatMoney(c.valeurClient)}
              hint="Opportunités gagnées"
              tone="success"
            />
            <StatCard label="Pipeline pondéré" value={formatMoney(c.pipelinePondere)} hint="Opportunités ouvertes" />
            <StatCard label="Projets actifs" value={c.nbProjetsActifs} />
            <StatCard label="Opportunités actives" value={c.nbOpportunitesActives} />
          </section>
          <section className="card">
            <h2>Coordonnées</h2>
            <DetailList
              items={[
                [
                  'E-mail',
                  c.email ? (
                    <a key="email" href={`mailto:${c.email}`}>
                      {c.email}
                    </a>
                  ) : (
                    ''
                  ),
                ],
                [
                  'Téléphone',
                  c.telephone ? (
                    <a key="tel" href={`tel:${c.telephone}`}>
                      {formatPhone(c.telephone)}
                    </a>
                  ) : (
                    ''
                  ),
                ],
                ['Catégorie', c.categorie],
                ['Responsable', c.responsableNom],
                ['Créé le', formatDateTime(c.dateCreation)],
                ['Modifié le', formatDateTime(c.dateModification)],
              ]}
            />
            {c.notes && (
              <>
                <h3>Notes</h3>
                <p className="prewrap">{c.notes}</p>
              </>
            )}
          </section>
          <ClientContacts clientId={c.id} />
          <Timeline parent="client" id={c.id} clientId={c.id} />
          <ClientSubLists clientId={c.id} />
        </>
      )}
    </QueryState>
  );
}

function DeleteClient({ id, nom }: { id: number; nom: string }) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const user = useCurrentUser();
  const [cascade, setCascade] = useState(false);
  return (
    <DeleteButton
      what={`le client ${nom}`}
      onDelete={() => client.clients.delete.mutate({ id, ...(cascade ? { cascade: 'true' as const } : {}) })}
      onDone={() => {
        void queryClient.invalidateQueries();
        navigate('/clients');
      }}
      extra={
        user.role === 'admin' && (
          <label className="checkbox">
            <input type="checkbox" checked={cascade} onChange={(e) => setCascade(e.target.checked)} />
            Supprimer aussi ses projets, opportunités et tâches
          </label>
        )
      }
    />
  );
}
