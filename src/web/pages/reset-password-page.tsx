import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { TextField } from '../components/field.js';
import { PASSWORD_MIN_LENGTH, PASSWORD_RULE } from '../lib/password-rule.js';
import { Link, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

/** The link mailed by "Forgot password?": `/reset-password?token=…`. */
export function ResetPasswordPage() {
  useDocumentTitle('Choose a new password');
  const { search } = useLocation();
  const session = useSession();
  const token = search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [isBusy, setBusy] = useState(false);
  const [isDone, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) return setMismatch(true);
    setBusy(true);
    setError(undefined);
    try {
      await api.confirmPasswordReset({ token, password });
      // Every session of the account ended, this browser's too (if it was logged in).
      if (session.status === 'member') session.forget();
      setDone(true);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  if (isDone) {
    return (
      <div className="auth-page">
        <div className="card auth-card" role="status">
          <h1>Your password is changed</h1>
          <p>Every session of your account was logged out. Log in with your new password.</p>
          <Link to="/login" className="button button-primary button-large">
            Log in
          </Link>
        </div>
      </div>
    );
  }
  const isLinkProblem = error?.kind === 'invalid-token';
  if (!token || isLinkProblem) {
    return (
      <div className="auth-page">
        <div className="card auth-card">
          <h1>This link does not work</h1>
          <p className="notice notice-error" role="alert">
            {error?.detail ?? 'This page needs the whole link from the mail we sent you; it ends with ?token=….'}
          </p>
          <Link to="/forgot-password" className="button button-primary button-large">
            Ask for a new link
          </Link>
        </div>
      </div>
    );
  }
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Choose a new password</h1>
        {error && !error.fieldErrors.password && (
          <p className="notice notice-error" role="alert">
            {error.detail || error.title}
          </p>
        )}
        <TextField
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          value={password}
          onChange={(event) => {
            setPassword(event.target.value);
            setMismatch(false);
            setError(undefined);
          }}
          error={error?.fieldErrors.password}
          hint={PASSWORD_RULE}
        />
        <TextField
          label="New password again"
          name="repeat_password"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={(event) => {
            setRepeat(event.target.value);
            setMismatch(false);
          }}
          error={mismatch ? 'The two passwords differ.' : undefined}
        />
        <button type="submit" className="button button-primary button-large" disabled={isBusy || !password || !repeat}>
          {isBusy ? 'Saving…' : 'Save the new password'}
        </button>
        <p className="muted small">Saving it logs you out everywhere.</p>
      </form>
    </div>
  );
}
