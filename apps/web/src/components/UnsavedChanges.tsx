import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import { useBlocker, type BlockerFunction } from 'react-router-dom';
import { ConfirmDialog } from './Modal';

/**
 * While `dirty`, leaving the page asks first: in-app navigation (router blocker, confirmed in a
 * dialog) and closing or reloading the tab (beforeunload). A lost session is not blocked: the
 * page's draft is kept for after the login. `disarm()` lets a successful save navigate away.
 */
export function useUnsavedChanges(dirty: boolean, onDiscard?: () => void): { dialog: ReactNode; disarm: () => void } {
  const disarmed = useRef(false);
  const armed = useRef(dirty);
  armed.current = dirty && !disarmed.current;
  const shouldBlock = useCallback<BlockerFunction>(
    ({ currentLocation, nextLocation }) =>
      armed.current && nextLocation.pathname !== currentLocation.pathname && nextLocation.pathname !== '/login',
    [],
  );
  const blocker = useBlocker(shouldBlock);
  useEffect(() => {
    if (!dirty) return;
    const ask = (e: BeforeUnloadEvent) => {
      if (!armed.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [dirty]);
  const dialog =
    blocker.state === 'blocked' ? (
      <ConfirmDialog
        title="Quitter sans enregistrer ?"
        message="Vos modifications n’ont pas été enregistrées : elles seront perdues."
        confirmLabel="Quitter sans enregistrer"
        onConfirm={() => {
          onDiscard?.();
          blocker.proceed();
        }}
        onClose={() => blocker.reset()}
      />
    ) : null;
  return {
    dialog,
    disarm: () => {
      disarmed.current = true;
      armed.current = false;
    },
  };
}
