import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { fieldErrorsOf } from '../../lib/errors';
import { Field } from '../../components/Field';
import { ErrorAlert } from '../../components/Status';

export function LoginPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  useEffect(() => {
    document.title = 'Connexion · CRM';
  }, []);
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (res) => {
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.user.queryKey(), res.user);
        const next = params.get('next');
        navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
      },
    }),
  );
  const errors = fieldErrorsOf(login.error);
  // The lockout's words (how long to wait, failures left) come from a small chunk loaded on the
  // first failed login, so that the login page's first load stays as light as it was.
  const [limit, setLimit] = useState<{ error: unknown; text: string | null } | null>(null);
  useEffect(() => {
    const error = login.error;
    if (!error) return;
    let live = true;
    void import('./loginLimit').then((m) => live && setLimit({ error, text: m.loginLimitMessage(error) }));
    return () => {
      live = false;
    };
  }, [login.error]);
  const limitText = limit && limit.error === login.error ? limit.text : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ username, password });
  };
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="brand brand--large" aria-hidden="true">
          <span className="brand-mark">C</span> CRM
        </div>
        <h1>Connexion</h1>
        <p className="muted">Accédez à vos clients, opportunités et tâches.</p>
        {params.get('session') === 'expiree' && !login.error && (
          <div className="alert alert--info" role="status">
            Votre session a expiré. Reconnectez-vous pour reprendre là où vous en étiez : votre saisie en cours est
            conservée.
          </div>
        )}
        {limitText ? <ErrorAlert>{limitText}</ErrorAlert> : <ErrorAlert error={login.error} />}
        <Field label="Nom d'utilisateur ou e-mail" errors={errors.username}>
          {(p) => (
            <input
              {...p}
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Mot de passe" errors={errors.password}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="btn btn--primary btn--block" disabled={login.isPending}>
          {login.isPending ? 'Connexion…' : 'Se connecter'}
        </button>
      </form>
    </main>
  );
}
