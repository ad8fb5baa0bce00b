import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { fullErrorMessage } from '../../lib/errors';
import { downloadErrorMessage, downloadFile } from '../../lib/download';
import { useNotify } from '../../components/Notifications';
import { DeleteButton } from '../../components/DeleteButton';
import { ConfirmDialog } from '../../components/Modal';
import type { DevisRow } from '../../components/columns/devisColumns';

/** PDF, sending by e-mail, new version, delete — for a saved devis. */
export function DevisActions({ devis }: { devis: DevisRow }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notify = useNotify();
  const [confirmSend, setConfirmSend] = useState(false);
  const pdfUrl = `/api/devis/${devis.id}/pdf/`;
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.devis.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() });
  };
  const envoyer = useMutation(
    trpc.devis.envoyer.mutationOptions({
      onSuccess: () => {
        setConfirmSend(false);
        notify('Devis envoyé : l’e-mail part au client en arrière-plan.');
        refresh();
      },
    }),
  );
  const nouvelleVersion = useMutation(
    trpc.devis.nouvelleVersion.mutationOptions({
      onSuccess: (d) => {
        notify(`Version ${d.version} créée.`);
        refresh();
        navigate(`/devis/${d.id}`);
      },
      onError: (e) => notify(fullErrorMessage(e), 'error'),
    }),
  );
  const finished = devis.statut === 'accepte' || devis.statut === 'refuse';
  return (
    <>
      <a
        className="btn btn--ghost"
        href={pdfUrl}
        onClick={(e) => {
          e.preventDefault();
          downloadFile(pdfUrl, `devis-${devis.numero}-v${devis.version}.pdf`).catch((err) =>
            notify(downloadErrorMessage(err), 'error'),
          );
        }}
      >
        Télécharger le PDF
      </a>
      {!finished && (
        <button type="button" className="btn btn--ghost" onClick={() => setConfirmSend(true)}>
          Envoyer au client
        </button>
      )}
      <button
        type="button"
        className="btn btn--ghost"
        disabled={nouvelleVersion.isPending}
        onClick={() => nouvelleVersion.mutate({ id: devis.id })}
      >
        Nouvelle version
      </button>
      <DeleteButton
        what={`le devis ${devis.numero} v${devis.version}`}
        onDelete={() => client.devis.delete.mutate({ id: devis.id })}
        onDone={() => {
          refresh();
          navigate('/devis');
        }}
      />
      {confirmSend && (
        <ConfirmDialog
          title="Envoyer le devis"
          message={`Le PDF du devis et le lien pour l’accepter en ligne seront envoyés par e-mail à ${devis.clientNom}. Continuer ?`}
          confirmLabel="Envoyer"
          danger={false}
          busy={envoyer.isPending}
          error={
            envoyer.error ? (
              <div className="alert alert--error" role="alert">
                {fullErrorMessage(envoyer.error)}
              </div>
            ) : null
          }
          onConfirm={() => envoyer.mutate({ id: devis.id })}
          onClose={() => {
            setConfirmSend(false);
            envoyer.reset();
          }}
        />
      )}
    </>
  );
}
