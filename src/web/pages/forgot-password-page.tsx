import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { TextField } from '../components/field.js';
import { Link } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  useDocumentTitle('Forgot your password');
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [isBusy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.requestPasswordReset(email.trim());
      setSentTo(email.trim());
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <div className="auth-page">
        <div className="card auth-card" role="status">
          <h1>Check your inbox</h1>
          <p>
            If an account uses <strong>{sentTo}</strong>, we mailed it a link to choose a new password. The link works once, for 60
            minutes.
          </p>
          <p className="muted">Nothing there after a few minutes? Check your spam folder, or try the address you signed up with.</p>
          <p>
            <Link to="/login">Back to log in</Link>
          </p>
        </div>
      </div>
    );
  }
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Forgot your password?</h1>
        <p className="muted">Enter the email address of your account and we will mail you a link to choose a new password.</p>
        {error && (
          <p className="notice notice-error" role="alert">
            {error.detail || error.title}
          </p>
        )}
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={error?.fieldErrors.email}
        />
        <button type="submit" className="button button-primary button-large" disabled={isBusy || !email.trim()}>
          {isBusy ? 'Sending…' : 'Mail me a link'}
        </button>
        <p className="muted">
          Remembered it? <Link to="/login">Log in</Link>
        </p>
      </form>
    </div>
  );
}
