import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { TextField } from '../components/field.js';
import { SignedInNotice } from '../components/signed-in-notice.js';
import { nextPath } from '../lib/next-path.js';
import { Link, navigate, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

export function LogInPage() {
  useDocumentTitle('Log in');
  const session = useSession();
  const { search } = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { access_token } = await api.logIn({ login: login.trim(), password });
      await session.logIn(access_token);
      navigate(nextPath(search), { replace: true });
    } catch (caught) {
      setError(toApiError(caught));
      setBusy(false);
    }
  };

  if (session.status === 'member' && !isBusy) return <SignedInNotice next={nextPath(search)} />;
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Log in</h1>
        {error && (
          <p className="notice notice-error" role="alert">
            {error.status === 401 ? 'That email, username or password is not right.' : error.detail || error.title}
          </p>
        )}
        <TextField label="Email or username" name="login" autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={<Link to="/forgot-password">Forgot password?</Link>}
        />
        <button type="submit" className="button button-primary button-large" disabled={isBusy || !login || !password}>
          {isBusy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted">
          No account yet? <Link to={`/register${search.size ? `?${search.toString()}` : ''}`}>Sign up free</Link>
        </p>
      </form>
    </div>
  );
}
