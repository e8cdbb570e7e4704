import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { Flow, FlowDraft } from '../api/types.js';
import { VerifyEmailNotice } from '../components/account-settings.js';
import { TextArea, TextField } from '../components/field.js';
import { PremiumBadge } from '../components/premium-badge.js';
import { RequireMember } from '../components/require-member.js';
import { ErrorState, Loading } from '../components/states.js';
import { formatCents } from '../lib/format.js';
import { Markdown } from '../lib/markdown.js';
import { usePublicConfig } from '../lib/public-config.js';
import { Link, navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError, useResource } from '../lib/use-resource.js';

const KNOWN_TOOLS = ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon', 'Playwright'];

/** The form as typed: lists are text (one step per line, comma-separated tags) until they are sent. */
type FormValues = {
  title: string;
  summary: string;
  body: string;
  steps: string;
  notes: string;
  target_sites: string;
  tools: string[];
  other_tools: string;
  tags: string;
  is_premium: boolean;
};
type FieldName = 'title' | 'summary' | 'body' | 'steps' | 'notes' | 'target_sites' | 'works_with' | 'tags';
type FieldErrors = Partial<Record<FieldName, string>>;

/** Which error an edit clears: the API names fields as it receives them (`works_with`), not as typed. */
const ERROR_FIELD: Partial<Record<keyof FormValues, FieldName>> = {
  title: 'title',
  summary: 'summary',
  body: 'body',
  steps: 'steps',
  notes: 'notes',
  target_sites: 'target_sites',
  tools: 'works_with',
  other_tools: 'works_with',
  tags: 'tags',
};

const EMPTY: FormValues = {
  title: '',
  summary: '',
  body: '',
  steps: '',
  notes: '',
  target_sites: '',
  tools: [],
  other_tools: '',
  tags: '',
  is_premium: true,
};

export function FlowEditorPage({ slug }: { slug?: string }) {
  useDocumentTitle(slug ? 'Edit flow' : 'Publish a flow');
  return <RequireMember>{slug ? <EditExisting slug={slug} /> : <FlowEditor />}</RequireMember>;
}

function EditExisting({ slug }: { slug: string }) {
  const { user } = useSession();
  const flow = useResource((signal) => api.flow(slug, { signal }), [slug]);
  if (flow.status === 'loading') return <Loading label="Loading the flow…" />;
  if (flow.status === 'error') return <ErrorState error={flow.error} onRetry={flow.reload} what="flows" />;
  if (user && user.id !== flow.data.author.id && user.role !== 'admin') {
    return (
      <div className="card narrow centered">
        <h1>Not your flow</h1>
        <p>Only its author can edit “{flow.data.title}”.</p>
        <Link to={`/flows/${flow.data.slug}`}>Back to the flow</Link>
      </div>
    );
  }
  return <FlowEditor existing={flow.data} />;
}

function toFormValues(flow: Flow): FormValues {
  return {
    title: flow.title,
    summary: flow.summary,
    body: flow.body,
    steps: flow.steps.join('\n'),
    notes: flow.notes.join('\n'),
    target_sites: flow.target_sites.join(', '),
    tools: flow.works_with.filter((tool) => KNOWN_TOOLS.includes(tool)),
    other_tools: flow.works_with.filter((tool) => !KNOWN_TOOLS.includes(tool)).join(', '),
    tags: flow.tags.join(', '),
    is_premium: flow.is_premium,
  };
}

const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);
const commaList = (text: string) => text.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);

function toDraft(values: FormValues, status: 'draft' | 'published'): FlowDraft {
  return {
    title: values.title.trim(),
    summary: values.summary.trim(),
    body: values.body,
    steps: lines(values.steps),
    notes: lines(values.notes),
    target_sites: commaList(values.target_sites).map((site) => site.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '')),
    works_with: [...values.tools, ...commaList(values.other_tools)],
    tags: commaList(values.tags).map((tag) => tag.toLowerCase()),
    is_premium: values.is_premium,
    status,
  };
}

/** The server's rules (flows/schemas.ts), checked before sending so each field shows its own problem. */
function validate(draft: FlowDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (draft.title.length < 3 || draft.title.length > 120) errors.title = 'Use 3 to 120 characters.';
  if (!draft.summary || draft.summary.length > 500) errors.summary = 'Write a summary of up to 500 characters.';
  if (!draft.body.trim() || draft.body.length > 50_000) errors.body = 'The flow text is required (up to 50,000 characters).';
  if ((draft.steps ?? []).length > 50 || (draft.steps ?? []).some((s) => s.length > 2000)) errors.steps = 'Up to 50 steps of 2,000 characters.';
  if ((draft.notes ?? []).length > 50 || (draft.notes ?? []).some((s) => s.length > 2000)) errors.notes = 'Up to 50 notes of 2,000 characters.';
  const badSite = (draft.target_sites ?? []).find((site) => !/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(site));
  if (badSite) errors.target_sites = `“${badSite}” is not a domain such as linkedin.com.`;
  else if ((draft.target_sites ?? []).length > 20) errors.target_sites = 'Up to 20 sites.';
  if ((draft.works_with ?? []).length > 20 || (draft.works_with ?? []).some((t) => t.length > 40)) errors.works_with = 'Up to 20 tools of 40 characters.';
  const badTag = (draft.tags ?? []).find((tag) => tag.length > 32 || !/^[a-z0-9][a-z0-9 +#.-]*$/.test(tag));
  if (badTag) errors.tags = `“${badTag}”: tags use letters, digits, spaces and + # . - (up to 32 characters).`;
  else if ((draft.tags ?? []).length > 10) errors.tags = 'Up to 10 tags.';
  return errors;
}

function FlowEditor({ existing }: { existing?: Flow }) {
  const [values, setValues] = useState<FormValues>(existing ? toFormValues(existing) : EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<ApiError | undefined>();
  const [isSaving, setSaving] = useState(false);
  const config = usePublicConfig();

  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    const field = ERROR_FIELD[key];
    if (field) setErrors((current) => (current[field] ? { ...current, [field]: undefined } : current));
  };
  const text = (key: 'title' | 'summary' | 'body' | 'steps' | 'notes' | 'target_sites' | 'other_tools' | 'tags') => ({
    value: values[key],
    onChange: (event: { target: { value: string } }) => set(key, event.target.value),
  });

  const save = async (status: 'draft' | 'published') => {
    const draft = toDraft(values, status);
    const found = validate(draft);
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) {
      focusFirstError();
      return;
    }
    setSaving(true);
    try {
      const saved = existing ? await api.editFlow(existing.id, draft) : await api.createFlow(draft);
      navigate(`/flows/${saved.slug}`);
    } catch (caught) {
      const error = toApiError(caught);
      setErrors(error.fieldErrors);
      setFailure(error);
      setSaving(false);
      focusFirstError();
    }
  };

  const archive = async () => {
    if (!existing || !window.confirm(`Archive “${existing.title}”? It leaves the library; its copies and earnings are kept.`)) return;
    setSaving(true);
    try {
      await api.archiveFlow(existing.id);
      navigate('/creator');
    } catch (caught) {
      setFailure(toApiError(caught));
      setSaving(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save('published');
  };

  const preview = toDraft(values, 'published');
  return (
    <div className="editor">
      <header className="page-head">
        <h1>{existing ? `Edit “${existing.title}”` : 'Publish a flow'}</h1>
        <p className="muted">A flow is the text people paste into their agent, plus the steps and pitfalls around it.</p>
      </header>
      <VerifyEmailNotice reason="publish flows (you can save a draft meanwhile)" />
      <div className="editor-layout">
        <form className="card editor-form" onSubmit={submit} noValidate>
          {failure && (
            <p className="notice notice-error" role="alert">
              <strong>{failure.title}.</strong> {Object.keys(failure.fieldErrors).length > 0 ? 'Check the fields marked below.' : failure.detail}
            </p>
          )}
          <TextField label="Title" maxLength={120} required {...text('title')} error={errors.title} />
          <TextArea label="Summary" rows={2} maxLength={500} required {...text('summary')} error={errors.summary} hint="One or two sentences for the library card." />
          <TextArea
            label="Flow text"
            rows={12}
            required
            className="mono"
            {...text('body')}
            error={errors.body}
            hint="What gets copied. Markdown works: # headings, - lists, **bold**, `code`, ``` blocks."
          />
          <TextArea label="Steps" rows={4} {...text('steps')} error={errors.steps} hint="One step per line, in order." />
          <TextArea label="Pitfalls" rows={3} {...text('notes')} error={errors.notes} hint="One note per line: what tends to go wrong." />
          <fieldset className={errors.works_with ? 'field field-invalid' : 'field'}>
            <legend>Works with</legend>
            <div className="choices-inline">
              {KNOWN_TOOLS.map((tool) => (
                <label key={tool} className="choice">
                  <input
                    type="checkbox"
                    checked={values.tools.includes(tool)}
                    onChange={(e) => set('tools', e.target.checked ? [...values.tools, tool] : values.tools.filter((t) => t !== tool))}
                  />
                  {tool}
                </label>
              ))}
            </div>
            <TextField label="Other tools" {...text('other_tools')} hint="Comma-separated." error={errors.works_with} />
          </fieldset>
          <TextField label="Sites it visits" {...text('target_sites')} error={errors.target_sites} hint="Domains, comma-separated: linkedin.com, mail.google.com" />
          <TextField label="Tags" {...text('tags')} error={errors.tags} hint="Up to 10, comma-separated: research, sales" />
          <label className="choice choice-block">
            <input type="checkbox" checked={values.is_premium} onChange={(e) => set('is_premium', e.target.checked)} />
            <span>
              <strong>Premium</strong> · subscribers copy it and you earn {config ? formatCents(config.rate_per_copy_cents) : 'a set amount'} per
              counted copy; others see a preview
            </span>
          </label>
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={isSaving}>
              {isSaving ? 'Saving…' : existing?.status === 'published' ? 'Save changes' : 'Publish'}
            </button>
            <button type="button" className="button" disabled={isSaving} onClick={() => void save('draft')}>
              {existing?.status === 'published' ? 'Unpublish to draft' : 'Save draft'}
            </button>
            {existing && existing.status !== 'archived' && (
              <button type="button" className="button button-danger" disabled={isSaving} onClick={archive}>
                Archive
              </button>
            )}
          </div>
        </form>
        <section className="editor-preview" aria-labelledby="preview-heading">
          <h2 id="preview-heading">Preview</h2>
          <FlowPreview draft={preview} />
        </section>
      </div>
    </div>
  );
}

function FlowPreview({ draft }: { draft: FlowDraft }) {
  const isEmpty = !draft.title && !draft.summary && !draft.body;
  if (isEmpty) return <p className="muted">Start typing: your flow appears here as readers will see it.</p>;
  return (
    <article className="card preview-card">
      <PremiumBadge isPremium={draft.is_premium ?? true} />
      <h3 className="preview-title">{draft.title || 'Untitled flow'}</h3>
      {draft.summary && <p className="lede">{draft.summary}</p>}
      {draft.body && (
        <div className="flow-body">
          <Markdown source={draft.body} />
        </div>
      )}
      {(draft.steps ?? []).length > 0 && (
        <>
          <h4>Steps</h4>
          <ol className="steps">
            {(draft.steps ?? []).map((step, index) => (
              <li key={index}>{step}</li>
            ))}
          </ol>
        </>
      )}
      {(draft.notes ?? []).length > 0 && (
        <>
          <h4>Pitfalls</h4>
          <ul className="notes">
            {(draft.notes ?? []).map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        </>
      )}
    </article>
  );
}

function focusFirstError() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
