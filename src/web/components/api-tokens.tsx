import { type FormEvent, useId, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ApiToken, CreatedApiToken } from '../api/types.js';
import { agentConfigs, type AgentClient } from '../lib/agent-configs.js';
import { writeClipboard } from '../lib/clipboard.js';
import { formatDate, formatDateTime } from '../lib/format.js';
import { toApiError, useResource } from '../lib/use-resource.js';
import { TextField } from './field.js';
import { CopyIcon } from './icons.js';
import { EmptyState, ErrorState, Loading } from './states.js';

type Scope = ApiToken['scopes'][number];
const SCOPES: { scope: Scope; label: string; hint: string }[] = [
  { scope: 'flows:read', label: 'Read flows', hint: 'Search the library, read flows (premium ones as you may), see your usage.' },
  { scope: 'flows:copy', label: 'Copy flows', hint: 'Copy flows as you would with the Copy button: counted, and paid to their creators.' },
];
const LIFETIMES = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
];

/**
 * The account page's "API tokens for agents" section (SPEC §16): create a token (its secret shown once, with a copy
 * button), list tokens with their last use, revoke with a confirmation, and the MCP client configurations to paste.
 */
export function ApiTokens() {
  const tokens = useResource((signal) => api.apiTokens({ signal }), []);
  const [created, setCreated] = useState<CreatedApiToken | undefined>();
  const mcpUrl = `${window.location.origin}/mcp`;

  return (
    <section className="card api-tokens" id="api-tokens" aria-labelledby="api-tokens-heading">
      <h2 id="api-tokens-heading">API tokens for agents</h2>
      <p>
        Let AI agents (Claude, Cursor, VS Code and other MCP clients) search Flowtab.Pro and copy flows for you, through the MCP server at{' '}
        <code>{mcpUrl}</code> or the REST API. A copy made by an agent is counted and pays the creator exactly like the Copy button.
      </p>

      {created && <NewToken token={created} onDone={() => setCreated(undefined)} />}

      <h3 className="api-tokens-subhead">Your tokens</h3>
      {tokens.status === 'loading' && <Loading label="Loading your tokens…" />}
      {tokens.status === 'error' && <ErrorState error={tokens.error} onRetry={tokens.reload} what="API tokens" />}
      {tokens.status === 'ready' && tokens.data.items.length === 0 && (
        <EmptyState title="No tokens yet">
          <p className="muted">Create one below, then paste it into your agent’s configuration.</p>
        </EmptyState>
      )}
      {tokens.status === 'ready' && tokens.data.items.length > 0 && (
        <ul className="token-list">
          {tokens.data.items.map((token) => (
            <TokenItem key={token.id} token={token} onRevoked={tokens.reload} />
          ))}
        </ul>
      )}

      <CreateTokenForm
        onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }}
      />

      <ClientConfigs mcpUrl={mcpUrl} token={created?.token} />
    </section>
  );
}

function NewToken({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const inputId = useId();
  return (
    <div className="notice notice-success new-token" role="status">
      <p>
        <strong>Token “{token.name}” created.</strong> Copy it now: it is shown only this once. It expires {formatDate(token.expires_at)}.
      </p>
      <label htmlFor={inputId} className="visually-hidden">
        Your new token
      </label>
      <div className="secret-row">
        <input id={inputId} className="mono secret" type="text" readOnly value={token.token} onFocus={(event) => event.currentTarget.select()} />
        <CopyTextButton text={token.token} label="Copy token" />
      </div>
      <p className="small">The configurations below now include it.</p>
      <button type="button" className="button button-ghost" onClick={onDone}>
        I have saved it
      </button>
    </div>
  );
}

function TokenItem({ token, onRevoked }: { token: ApiToken; onRevoked: () => void }) {
  const [state, setState] = useState<'idle' | 'confirming' | 'revoking'>('idle');
  const [error, setError] = useState<ApiError | undefined>();
  const headingId = useId();

  const revoke = async () => {
    setState('revoking');
    setError(undefined);
    try {
      await api.revokeApiToken(token.id);
      onRevoked();
    } catch (caught) {
      setError(toApiError(caught));
      setState('confirming');
    }
  };

  return (
    <li className="token-item" aria-labelledby={headingId}>
      <div className="token-main">
        <p className="token-name" id={headingId}>
          {token.name}
        </p>
        <p className="token-scopes">
          {token.scopes.map((scope) => (
            <span key={scope} className="badge badge-scope">
              {scope}
            </span>
          ))}
          {token.is_expired && <span className="badge badge-warn">expired</span>}
        </p>
        <p className="muted small">
          Created {formatDate(token.created_at)} · last used {token.last_used_at ? formatDateTime(token.last_used_at) : 'never'} ·{' '}
          {token.is_expired ? 'expired' : 'expires'} {formatDate(token.expires_at)}
        </p>
      </div>
      <div className="token-actions">
        {state === 'idle' ? (
          <button type="button" className="button" onClick={() => setState('confirming')}>
            Revoke…
          </button>
        ) : (
          <div className="confirm" role="group" aria-label={`Revoke ${token.name}`}>
            <p className="small">Revoke “{token.name}”? Agents using it stop at once.</p>
            <div className="actions">
              <button type="button" className="button button-danger" onClick={revoke} disabled={state === 'revoking'}>
                {state === 'revoking' ? 'Revoking…' : 'Revoke token'}
              </button>
              <button type="button" className="button button-ghost" onClick={() => setState('idle')} disabled={state === 'revoking'}>
                Keep it
              </button>
            </div>
          </div>
        )}
        {error && (
          <p className="field-error" role="alert">
            {error.detail || error.title}
          </p>
        )}
      </div>
    </li>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['flows:read', 'flows:copy']);
  const [days, setDays] = useState(365);
  const [isSaving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const lifetimeId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      const token = await api.createApiToken({ name: name.trim(), scopes, expires_in_days: days });
      setName('');
      onCreated(token);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setSaving(false);
    }
  };

  const toggle = (scope: Scope, isOn: boolean) => setScopes((current) => (isOn ? [...current, scope] : current.filter((s) => s !== scope)));
  const fieldErrors = error?.fieldErrors ?? {};

  return (
    <form className="token-form" onSubmit={submit} noValidate>
      <h3 className="api-tokens-subhead">Create a token</h3>
      <TextField
        label="Name"
        hint="Where you will use it, e.g. “Claude Desktop on my laptop”."
        value={name}
        maxLength={100}
        required
        autoComplete="off"
        onChange={(event) => setName(event.target.value)}
        error={fieldErrors.name}
      />
      <fieldset className="field">
        <legend>What it may do</legend>
        {SCOPES.map(({ scope, label, hint }) => (
          <label key={scope} className="choice choice-block">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} />
            <span>
              {label} <code>{scope}</code>
              <span className="field-hint">{hint}</span>
            </span>
          </label>
        ))}
        {fieldErrors.scopes && <p className="field-error">Choose at least one.</p>}
      </fieldset>
      <div className="field">
        <label htmlFor={lifetimeId}>Expires after</label>
        <select id={lifetimeId} value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {LIFETIMES.map((lifetime) => (
            <option key={lifetime.days} value={lifetime.days}>
              {lifetime.label}
            </option>
          ))}
        </select>
      </div>
      {error && !error.fieldErrors.name && !error.fieldErrors.scopes && (
        <p className="field-error" role="alert">
          {error.detail || error.title}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={isSaving || name.trim() === '' || scopes.length === 0}>
        {isSaving ? 'Creating…' : 'Create token'}
      </button>
    </form>
  );
}

function ClientConfigs({ mcpUrl, token }: { mcpUrl: string; token: string | undefined }) {
  const [client, setClient] = useState<AgentClient>('claude-code');
  const selectId = useId();
  const configs = agentConfigs(mcpUrl, token);
  const config = configs.find((c) => c.client === client) ?? configs[0]!;
  return (
    <div className="client-configs">
      <h3 className="api-tokens-subhead">Connect your agent</h3>
      <div className="field">
        <label htmlFor={selectId}>MCP client</label>
        <select id={selectId} value={client} onChange={(event) => setClient(event.target.value as AgentClient)}>
          {configs.map((c) => (
            <option key={c.client} value={c.client}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <p className="muted small">{config.where}</p>
      <pre className="config-block" aria-label={`${config.label} configuration`} tabIndex={0}>
        <code>{config.text}</code>
      </pre>
      <CopyTextButton text={config.text} label="Copy configuration" />
      {!token && (
        <p className="muted small">
          Replace <code>ftp_YOUR_TOKEN</code> with your token. The agent then has the tools search_flows, get_flow, copy_flow and my_usage,
          and every flow you can read as a prompt.
        </p>
      )}
    </div>
  );
}

function CopyTextButton({ text, label }: { text: string; label: string }) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => setStatus((await writeClipboard(text)) ? 'copied' : 'failed');
  return (
    <span className="copy-text">
      <button type="button" className="button" onClick={copy}>
        <CopyIcon />
        {label}
      </button>
      <span role="status" className="small muted">
        {status === 'copied' ? 'Copied' : status === 'failed' ? 'Your browser did not allow copying: select the text and copy it.' : ''}
      </span>
    </span>
  );
}
