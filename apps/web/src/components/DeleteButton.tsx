import { useState, type ReactNode } from 'react';
import { useMutation } from '@tanstack/react-query';
import { canDelete, useCurrentUser } from '../lib/currentUser';
import { ConfirmDialog } from './Modal';
import { ErrorAlert } from './Status';
import { useNotify } from './Notifications';

/** Delete with confirmation; not rendered at all for commerciaux (the API would answer 403). */
export function DeleteButton({
  what,
  message,
  onDelete,
  onDone,
  extra,
}: {
  /** e.g. "le client Acme" */
  what: string;
  message?: ReactNode;
  onDelete: () => Promise<unknown>;
  onDone: () => void;
  extra?: ReactNode;
}) {
  const user = useCurrentUser();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const del = useMutation({
    mutationFn: onDelete,
    onSuccess: () => {
      setOpen(false);
      notify(`Suppression effectuée : ${what}.`);
      onDone();
    },
  });
  if (!canDelete(user)) return null;
  return (
    <>
      <button type="button" className="btn btn--danger-ghost" onClick={() => setOpen(true)}>
        Supprimer
      </button>
      {open && (
        <ConfirmDialog
          title="Confirmer la suppression"
          message={
            <>
              <p>{message ?? `Supprimer définitivement ${what} ?`}</p>
              {extra}
            </>
          }
          busy={del.isPending}
          error={<ErrorAlert error={del.error} />}
          onConfirm={() => del.mutate()}
          onClose={() => {
            setOpen(false);
            del.reset();
          }}
        />
      )}
    </>
  );
}
