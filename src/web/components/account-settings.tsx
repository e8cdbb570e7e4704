import { type FormEvent, type ReactNode, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { User } from '../api/types.js';
import { PASSWORD_MIN_LENGTH, PASSWORD_RULE } from '../lib/password-rule.js';
import { Link, navigate } from '../lib/router.js';
import { saveBlob } from '../lib/save-file.js';
import { useSession } from '../lib/session.js';
import { toApiError } from '../lib/use-resource.js';
import { TextArea, TextField } from './field.js';


type Outcome = { message?: string; error?: ApiError };

/** One form's submission: busy while it runs, then a message or the API's error. */
function useSubmission() {
  const [isBusy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({});
  const run = async (action: () => Promise<string | undefined>) => {
    setBusy(true);
    setOutcome({});
    try {
      const message = await action();
      setOutcome({ message });
    } catch (caught) {
      setOutcome({ error: toApiError(caught) });
    } finally {
      setBusy(false);
    }
  };
  return { isBusy, outcome, run, reset: () => setOutcome({}) };
}

/** The outcome above a form; an error already shown next to its field (`isShownInFields`) is not repeated. */
function Result({ outcome, isShownInFields = false }: { outcome: Outcome; isShownInFields?: boolean }) {
  if (outcome.message) {
    return (
      <p className="notice notice-success" role="status">
        {outcome.message}
      </p>
    );
  }
  const error = outcome.error;
  if (!error || isShownInFields) return null;
  return (
    <p className="notice notice-error" role="alert">
      {error.detail || error.title}
    </p>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <section className="card settings-section" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {intro && <p className="muted">{intro}</p>}
      {children}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** For a member whose address is not proven yet: why it matters, and a new link. */
export function VerifyEmailNotice({ reason = 'publish flows and get paid for them' }: { reason?: string }) {
  const { user } = useSession();
  const { isBusy, outcome, run } = useSubmission();
  if (!user || user.email_verified) return null;
  return (
    <div className="notice notice-warning verify-notice" role="status">
      <p>
        <strong>Confirm your email address</strong> to {reason}. We mailed a link to <strong>{user.email}</strong> when you signed up.
      </p>
      {outcome.message ? (
        <p>{outcome.message}</p>
      ) : (
        <button type="button" className="button" disabled={isBusy} onClick={() => run(async () => (await api.resendVerification()).detail)}>
          {isBusy ? 'Sending…' : 'Send a new link'}
        </button>
      )}
      {outcome.error && <p className="field-error">{outcome.error.detail || outcome.error.title}</p>}
    </div>
  );
}

/** The settings sections of the account page. */
export function AccountSettings({ user }: { user: User }) {
  return (
    <>
      <ProfileSettings user={user} />
      <EmailSettings user={user} />
      <PasswordSettings />
      <SessionSettings />
      <ExportSettings user={user} />
      <DeleteAccount user={user} />
    </>
  );
}

function ProfileSettings({ user }: { user: User }) {
  const session = useSession();
  const [form, setForm] = useState({
    display_name: user.display_name ?? '',
    bio: user.bio ?? '',
    links: user.links.join('\n'),
    avatar_url: user.avatar_url ?? '',
  });
  const { isBusy, outcome, run, reset } = useSubmission();
  const errors = outcome.error?.fieldErrors ?? {};
  const update = (field: keyof typeof form) => (event: { target: { value: string } }) => {
    setForm((current) => ({ ...current, [field]: event.target.value }));
    reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const saved = await api.updateProfile({
        display_name: form.display_name.trim() || null,
        bio: form.bio.trim() || null,
        links: form.links
          .split('\n')
          .map((link) => link.trim())
          .filter(Boolean),
        avatar_url: form.avatar_url.trim() || null,
      });
      await session.refreshUser(saved);
      return 'Profile saved.';
    });
  };
  return (
    <Section id="profile" title="Profile" intro="Shown with the flows you publish.">
      <form className="settings-form" onSubmit={submit} noValidate>
        <Result outcome={outcome} isShownInFields={Object.keys(errors).length > 0} />
        <TextField label="Display name" name="display_name" maxLength={60} value={form.display_name} onChange={update('display_name')} error={errors.display_name} hint="Up to 60 characters." />
        <TextArea label="Bio" name="bio" rows={3} maxLength={500} value={form.bio} onChange={update('bio')} error={errors.bio} hint="Up to 500 characters." />
        <TextArea
          label="Links"
          name="links"
          rows={3}
          value={form.links}
          onChange={update('links')}
          error={errors.links}
          hint="Up to 5 https:// links, one per line (your site, GitHub…)."
        />
        <TextField
          label="Avatar image URL"
          name="avatar_url"
          type="url"
          inputMode="url"
          value={form.avatar_url}
          onChange={update('avatar_url')}
          error={errors.avatar_url}
          hint="An https:// address of a picture of you."
        />
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={isBusy}>
            {isBusy ? 'Saving…' : 'Save profile'}
          </button>
        </div>
      </form>
    </Section>
  );
}

function EmailSettings({ user }: { user: User }) {
  const session = useSession();
  const [form, setForm] = useState({ new_email: '', password: '' });
  const { isBusy, outcome, run, reset } = useSubmission();
  const errors = outcome.error?.fieldErrors ?? {};
  const isWrongPassword = outcome.error?.status === 401;
  const emailError = errors.new_email ?? (outcome.error?.kind === 'account-taken' ? outcome.error.detail : undefined);
  const update = (field: keyof typeof form) => (event: { target: { value: string } }) => {
    setForm((current) => ({ ...current, [field]: event.target.value }));
    reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const pending = await api.changeEmail({ new_email: form.new_email.trim(), password: form.password });
      setForm({ new_email: '', password: '' });
      await session.refreshUser();
      return `We mailed a link to ${pending.pending_email}. Your address changes when you open it (within 24 hours).`;
    });
  };
  return (
    <Section id="email" title="Email address">
      <p className="email-current">
        <span>{user.email}</span>{' '}
        {user.email_verified ? <span className="badge badge-good">verified</span> : <span className="badge badge-warn">not verified</span>}
      </p>
      {user.pending_email && !outcome.message && (
        <p className="notice notice-info">
          Waiting for you to confirm <strong>{user.pending_email}</strong>: open the link we mailed there.
        </p>
      )}
      <form className="settings-form" onSubmit={submit} noValidate>
        <Result outcome={outcome} isShownInFields={Boolean(emailError) || isWrongPassword} />
        <TextField
          label="New email address"
          name="new_email"
          type="email"
          autoComplete="email"
          required
          value={form.new_email}
          onChange={update('new_email')}
          error={emailError}
        />
        <TextField
          label="Your password"
          name="email_password"
          type="password"
          autoComplete="current-password"
          required
          value={form.password}
          onChange={update('password')}
          error={isWrongPassword ? 'That password is not right.' : undefined}
        />
        <div className="actions">
          <button type="submit" className="button" disabled={isBusy || !form.new_email || !form.password}>
            {isBusy ? 'Sending…' : 'Send a confirmation link'}
          </button>
        </div>
      </form>
    </Section>
  );
}

function PasswordSettings() {
  const [form, setForm] = useState({ current: '', next: '', repeat: '' });
  const [mismatch, setMismatch] = useState(false);
  const { isBusy, outcome, run, reset } = useSubmission();
  const errors = outcome.error?.fieldErrors ?? {};
  const update = (field: keyof typeof form) => (event: { target: { value: string } }) => {
    setForm((current) => ({ ...current, [field]: event.target.value }));
    setMismatch(false);
    reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.next !== form.repeat) return setMismatch(true);
    void run(async () => {
      await api.changePassword({ current_password: form.current, new_password: form.next });
      setForm({ current: '', next: '', repeat: '' });
      return 'Password changed. Every other session of yours was logged out; this one goes on.';
    });
  };
  return (
    <Section id="password" title="Password" intro="Changing it logs you out everywhere else.">
      <form className="settings-form" onSubmit={submit} noValidate>
        <Result outcome={outcome} isShownInFields={Boolean(errors.new_password) || outcome.error?.status === 401} />
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          value={form.current}
          onChange={update('current')}
          error={outcome.error?.status === 401 ? 'That password is not right.' : undefined}
        />
        <TextField
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          value={form.next}
          onChange={update('next')}
          error={errors.new_password}
          hint={PASSWORD_RULE}
        />
        <TextField
          label="New password again"
          name="repeat_password"
          type="password"
          autoComplete="new-password"
          required
          value={form.repeat}
          onChange={update('repeat')}
          error={mismatch ? 'The two new passwords differ.' : undefined}
        />
        <div className="actions">
          <button type="submit" className="button" disabled={isBusy || !form.current || !form.next || !form.repeat}>
            {isBusy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </Section>
  );
}

function SessionSettings() {
  const session = useSession();
  const { isBusy, outcome, run } = useSubmission();
  const logOutEverywhere = () =>
    run(async () => {
      await api.logOutEverywhere();
      navigate('/login?next=%2Faccount', { replace: true });
      session.forget();
      return undefined;
    });
  return (
    <Section
      id="sessions"
      title="Sessions"
      intro="Lost a device, or logged in somewhere you should not have? This ends every session of yours, on every device and this one, and your API tokens too."
    >
      <Result outcome={outcome} />
      <div className="actions">
        <button type="button" className="button" disabled={isBusy} onClick={logOutEverywhere}>
          {isBusy ? 'Logging out…' : 'Log out everywhere'}
        </button>
      </div>
    </Section>
  );
}

function ExportSettings({ user }: { user: User }) {
  const { isBusy, outcome, run } = useSubmission();
  const download = () =>
    run(async () => {
      const document_ = await api.exportAccount();
      saveBlob(new Blob([JSON.stringify(document_, null, 2)], { type: 'application/json' }), `flowtab-${user.username}-${document_.exported_at.slice(0, 10)}.json`);
      return 'Your data was downloaded as one JSON file.';
    });
  return (
    <Section
      id="export"
      title="Your data"
      intro="Everything we store about you in one JSON file: account, sessions, subscription history, invoices, copies, flows, earnings, payouts and the mails we sent you."
    >
      <Result outcome={outcome} />
      <div className="actions">
        <button type="button" className="button" disabled={isBusy} onClick={download}>
          {isBusy ? 'Preparing…' : 'Download my data'}
        </button>
      </div>
    </Section>
  );
}

function DeleteAccount({ user }: { user: User }) {
  const session = useSession();
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const { isBusy, outcome, run, reset } = useSubmission();
  const isConfirmed = typed.trim() === user.username;
  const isBlocked = outcome.error?.kind === 'account-deletion-blocked';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isConfirmed) return;
    void run(async () => {
      await api.deleteAccount(password);
      navigate('/account/deleted', { replace: true });
      session.forget();
      return undefined;
    });
  };
  return (
    <section className="card settings-section danger-zone" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      <ul className="muted">
        <li>Your subscription is cancelled at once, and every session ends.</li>
        <li>Your flows leave the library; your email, username and profile are erased.</li>
        <li>Copies and earnings stay in our books without your name. Withdraw available earnings first.</li>
      </ul>
      <form className="settings-form" onSubmit={submit} noValidate>
        {outcome.error && outcome.error.status !== 401 && (
          <div className="notice notice-error" role="alert">
            <p>{outcome.error.detail || outcome.error.title}</p>
            {isBlocked && (
              <p>
                <Link to="/creator">Go to your earnings</Link>
              </p>
            )}
          </div>
        )}
        <TextField
          label="Your password"
          name="delete_password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => {
            setPassword(event.target.value);
            reset();
          }}
          error={outcome.error?.status === 401 ? 'That password is not right.' : undefined}
        />
        <TextField
          label={`Type your username, ${user.username}, to confirm`}
          name="confirm_username"
          autoComplete="off"
          spellCheck={false}
          required
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
        <div className="actions">
          <button type="submit" className="button button-danger-solid" disabled={isBusy || !password || !isConfirmed}>
            {isBusy ? 'Deleting…' : 'Delete my account'}
          </button>
        </div>
      </form>
    </section>
  );
}
