import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { formatDateTime } from '../../lib/format';
import { downloadErrorMessage, downloadFile } from '../../lib/download';
import { Modal } from '../../components/Modal';
import { QueryState } from '../../components/Status';
import { DetailList } from '../../components/DetailList';
import { useNotify } from '../../components/Notifications';
import { CourrielStatutBadge } from '../../components/courriels/CourrielStatut';

/** One e-mail as sent: headers, text body and attachments (the devis PDF opens from here). */
export function CourrielDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const trpc = useTRPC();
  const notify = useNotify();
  const mail = useQuery(trpc.courriels.get.queryOptions({ id }));
  const m = mail.data;
  return (
    <Modal title={m?.sujet ?? 'E-mail'} onClose={onClose} wide>
      <QueryState query={mail}>
        {m && (
          <>
            <DetailList
              items={[
                ['À', m.destinataire],
                ['Répondre à', m.repondreA],
                ['Créé le', formatDateTime(m.dateCreation)],
                [
                  'Statut',
                  <>
                    <CourrielStatutBadge value={m.statut} /> {m.dateEnvoi ? `le ${formatDateTime(m.dateEnvoi)}` : ''} (
                    {m.tentatives} tentative{m.tentatives > 1 ? 's' : ''})
                  </>,
                ],
                ['Dernière erreur', m.derniereErreur],
              ]}
            />
            <pre className="mail-body" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {m.corpsTexte}
            </pre>
            {m.piecesJointes.length > 0 && (
              <ul aria-label="Pièces jointes">
                {m.piecesJointes.map((p) => (
                  <li key={p.id}>
                    <a
                      href={p.url}
                      onClick={(e) => {
                        e.preventDefault();
                        downloadFile(p.url, p.nom).catch((err) => notify(downloadErrorMessage(err), 'error'));
                      }}
                    >
                      {p.nom}
                    </a>{' '}
                    ({Math.ceil(p.taille / 1024)} Ko)
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </QueryState>
    </Modal>
  );
}
