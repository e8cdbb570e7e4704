import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { TextField } from '../components/field.js';
import { PASSWORD_MIN_LENGTH, PASSWORD_RULE } from '../lib/password-rule.js';
import { SignedInNotice } from '../components/signed-in-notice.js';
import { nextPath } from '../lib/next-path.js';
import { Link, navigate, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

type Form = { email: string; username: string; password: string };
type Field = keyof Form;

/** The same rules as the server's register schema, checked early so people see them before sending. */
function validate(form: Form): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.trim())) errors.email = 'Enter an email address, like you@example.com.';
  if (form.username.length < 3 || form.username.length > 32) errors.username = 'Use 3 to 32 characters.';
  else if (!/^[A-Za-z0-9_-]+$/.test(form.username)) errors.username = 'Use only letters, digits, “_” and “-”.';
  const password = form.password.trim().toLowerCase();
  if ([...form.password].length < PASSWORD_MIN_LENGTH) errors.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  else if (password === form.username.trim().toLowerCase()) errors.password = 'Use something other than your username.';
  else if (password === form.email.trim().toLowerCase()) errors.password = 'Use something other than your email address.';
  return errors;
}

export function RegisterPage() {
  useDocumentTitle('Sign up');
  const session = useSession();
  const { search } = useLocation();
  const [form, setForm] = useState<Form>({ email: '', username: '', password: '' });
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<ApiError | undefined>();
  const [isBusy, setBusy] = useState(false);

  const localErrors = validate(form);
  const errorFor = (field: Field) => serverErrors[field] ?? (touched[field] ? localErrors[field] : undefined);
  const update = (field: Field) => (event: { target: { value: string } }) => {
    setForm((current) => ({ ...current, [field]: event.target.value }));
    setServerErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched({ email: true, username: true, password: true });
    if (Object.keys(localErrors).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const registered = await api.register({ email: form.email.trim(), username: form.username, password: form.password });
      await session.logIn(registered.access_token, registered.user);
      navigate(nextPath(search), { replace: true });
    } catch (caught) {
      const apiError = toApiError(caught);
      const takenField = apiError.problem.field;
      const isTaken = apiError.kind === 'account-taken' && (takenField === 'email' || takenField === 'username');
      setServerErrors(isTaken ? { [takenField]: apiError.detail } : apiError.fieldErrors);
      setError(apiError);
      setBusy(false);
    }
  };

  if (session.status === 'member' && !isBusy) return <SignedInNotice next={nextPath(search)} />;
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Create your account</h1>
        <p className="muted">Free to join: browse, copy free flows and publish your own. Subscribe any time for premium.</p>
        {error && Object.values(serverErrors).every((message) => !message) && (
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
          value={form.email}
          onChange={update('email')}
          onBlur={() => setTouched((t) => ({ ...t, email: true }))}
          error={errorFor('email')}
        />
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={form.username}
          onChange={update('username')}
          onBlur={() => setTouched((t) => ({ ...t, username: true }))}
          error={errorFor('username')}
          hint="Shown on the flows you publish."
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={form.password}
          onChange={update('password')}
          onBlur={() => setTouched((t) => ({ ...t, password: true }))}
          error={errorFor('password')}
          hint={PASSWORD_RULE}
        />
        <button type="submit" className="button button-primary button-large" disabled={isBusy}>
          {isBusy ? 'Creating your account…' : 'Sign up'}
        </button>
        <p className="muted">
          Already have an account? <Link to={`/login${search.size ? `?${search.toString()}` : ''}`}>Log in</Link>
        </p>
      </form>
    </div>
  );
}
