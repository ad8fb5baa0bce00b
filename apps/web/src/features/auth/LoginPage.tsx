import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { errorInfo, errorMessage, fieldErrorsOf } from '../../lib/errors';
import { TRPCClientError } from '../../lib/trpc';
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
        navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
      },
    }),
  );
  const errors = fieldErrorsOf(login.error);
  const limit = loginLimitMessage(login.error);
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
            Votre session a expiré. Reconnectez-vous pour reprendre là où vous en étiez : votre saisie en cours est conservée.
          </div>
        )}
        {limit ? <ErrorAlert>{limit}</ErrorAlert> : <ErrorAlert error={login.error} />}
        <Field label="Nom d'utilisateur ou e-mail" errors={errors.username}>
          {(p) => <input {...p} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />}
        </Field>
        <Field label="Mot de passe" errors={errors.password}>
          {(p) => (
            <input {...p} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="btn btn--primary btn--block" disabled={login.isPending}>
          {login.isPending ? 'Connexion…' : 'Se connecter'}
        </button>
      </form>
    </main>
  );
}

/** Past the last failures the API refuses logins for a while: how long, in French words. */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} seconde${seconds > 1 ? 's' : ''}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes > 1 ? 's' : ''}`;
}

/**
 * The lockout, read from the answer's headers: 429 says how long to wait (`Retry-After`, seconds);
 * a failed login says how many failures remain (`RateLimit-Remaining`), worth a warning near the end.
 */
function loginLimitMessage(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const headers = (error.meta?.response as Response | undefined)?.headers;
  const code = errorInfo(error)?.code;
  if (code === 'TOO_MANY_REQUESTS') {
    const seconds = Number(headers?.get('retry-after'));
    return Number.isFinite(seconds) && seconds > 0 ? `Trop de tentatives. Réessayez dans ${waitText(seconds)}.` : errorMessage(error);
  }
  const left = headers?.get('ratelimit-remaining');
  if (code !== 'UNAUTHORIZED' || left == null || left === '' || Number(left) > 2) return null;
  const n = Number(left);
  const warning =
    n === 0
      ? 'Dernière tentative échouée : la connexion est maintenant bloquée pour quelques minutes.'
      : `Il vous reste ${n} tentative${n > 1 ? 's' : ''} avant le blocage temporaire de la connexion.`;
  return `${errorMessage(error)} ${warning}`;
}
