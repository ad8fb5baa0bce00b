import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { MEMORY_LABELS, type ActiviteType } from '@crm/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { errorMessage, fieldErrorsOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { Field } from '../Field';
import { EmptyState, ErrorAlert, QueryState } from '../Status';
import './timeline.css';

type Item = RouterOutputs['clients']['timeline']['results'][number];
const QUICK_TYPES: ActiviteType[] = ['note', 'appel', 'reunion'];
const ICONS: Record<string, string> = { note: '✎', appel: '☎', reunion: '◎', email: '✉', autre: '•' };

/**
 * History of a client or an opportunité (newest first, "Voir plus" loads the next page) with a
 * composer: pick Note / Appel / Réunion (the subject is prefilled), then Enregistrer.
 */
export function Timeline({ parent, id, clientId }: { parent: 'client' | 'opportunite'; id: number; clientId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const proc = parent === 'client' ? trpc.clients.timeline : trpc.opportunites.timeline;
  const query = useInfiniteQuery(
    proc.infiniteQueryOptions({ id, pageSize: 20 }, { getNextPageParam: (last) => last.next ?? undefined }),
  );
  const items = query.data?.pages.flatMap((p) => p.results) ?? [];
  // Any successful change made in the app (stage moved, devis sent, tâche done…) may have added an
  // event: the history refreshes itself instead of waiting for the next focus.
  useEffect(
    () =>
      queryClient.getMutationCache().subscribe((e) => {
        if (e.type !== 'updated' || e.action.type !== 'success') return;
        void queryClient.invalidateQueries({ queryKey: trpc.clients.timeline.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.opportunites.timeline.pathKey() });
      }),
    [queryClient, trpc],
  );

  const [type, setType] = useState<ActiviteType | null>(null);
  const [sujet, setSujet] = useState('');
  const [contenu, setContenu] = useState('');
  const textRef = useRef<HTMLTextAreaElement>(null);
  const create = useMutation(
    trpc.activites.create.mutationOptions({
      onSuccess: () => {
        setType(null);
        setSujet('');
        setContenu('');
        void queryClient.invalidateQueries({ queryKey: trpc.activites.pathKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const pick = (t: ActiviteType) => {
    const previousDefault = type ? MEMORY_LABELS.activiteType[type] : '';
    setType(t);
    if (!sujet.trim() || sujet === previousDefault) setSujet(MEMORY_LABELS.activiteType[t]);
    queueMicrotask(() => textRef.current?.focus());
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!type) return;
    create.mutate({ type, sujet, contenu, client: clientId, opportunite: parent === 'opportunite' ? id : null });
  };

  return (
    <section className="card" aria-labelledby={`historique-${parent}-${id}`}>
      <div className="card-header">
        <h2 id={`historique-${parent}-${id}`}>Historique</h2>
        <div className="btn-group" role="group" aria-label="Ajouter à l’historique">
          {QUICK_TYPES.map((t) => (
            <button
              key={t}
              type="button"
              className={`btn btn--small ${type === t ? 'btn--primary' : 'btn--ghost'}`}
              aria-pressed={type === t}
              onClick={() => pick(t)}
            >
              <span aria-hidden="true">{ICONS[t]} </span>
              {MEMORY_LABELS.activiteType[t]}
            </button>
          ))}
        </div>
      </div>
      {type && (
        <form
          className="timeline-composer"
          onSubmit={submit}
          noValidate
          aria-label={`Nouvelle activité : ${MEMORY_LABELS.activiteType[type]}`}
        >
          <Field label="Sujet" required errors={errors.sujet}>
            {(p) => <input {...p} value={sujet} onChange={(e) => setSujet(e.target.value)} maxLength={200} />}
          </Field>
          <Field
            label="Compte rendu"
            errors={errors.contenu}
            hint="Texte libre ; Markdown accepté (**gras**, listes, liens)."
          >
            {(p) => (
              <textarea {...p} ref={textRef} rows={3} value={contenu} onChange={(e) => setContenu(e.target.value)} />
            )}
          </Field>
          {create.error && !Object.keys(errors).length ? <ErrorAlert>{errorMessage(create.error)}</ErrorAlert> : null}
          <div className="btn-group">
            <button type="submit" className="btn btn--primary btn--small" disabled={create.isPending}>
              Enregistrer
            </button>
            <button type="button" className="btn btn--ghost btn--small" onClick={() => setType(null)}>
              Annuler
            </button>
          </div>
        </form>
      )}
      <QueryState
        query={query}
        isEmpty={items.length === 0}
        empty={<EmptyState title="Rien dans l’historique pour l’instant." />}
      >
        <ol className="timeline">
          {items.map((it) => (
            <TimelineEntry key={`${it.kind}-${it.id}`} item={it} />
          ))}
        </ol>
        {query.hasNextPage && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? 'Chargement…' : 'Voir plus'}
          </button>
        )}
      </QueryState>
    </section>
  );
}

function TimelineEntry({ item }: { item: Item }) {
  const activite = item.kind === 'activite';
  return (
    <li className={`timeline-item timeline-item--${item.kind}`}>
      <span className="timeline-icon" aria-hidden="true">
        {activite ? (ICONS[item.type] ?? '•') : '◦'}
      </span>
      <div className="timeline-body">
        <div className="timeline-resume">{item.resume}</div>
        <div className="muted small">
          <time dateTime={item.date}>{formatDateTime(item.date)}</time>
          {item.auteurNom && <> · {item.auteurNom}</>}
        </div>
        {/* Server-rendered Markdown: raw HTML is escaped and links are restricted before it leaves the API. */}
        {activite && item.contenuHtml ? (
          <div className="timeline-contenu" dangerouslySetInnerHTML={{ __html: item.contenuHtml }} />
        ) : null}
      </div>
    </li>
  );
}
