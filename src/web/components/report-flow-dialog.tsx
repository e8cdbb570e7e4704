import { type FormEvent, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { Flow, ReportReason } from '../api/types.js';
import { Link } from '../lib/router.js';
import { useModalDialog } from '../lib/use-modal-dialog.js';
import { useSession } from '../lib/session.js';
import { toApiError } from '../lib/use-resource.js';

const REASONS: { value: ReportReason; label: string }[] = [
  { value: 'spam', label: 'Spam or advertising' },
  { value: 'copyright', label: 'Copied from someone else’s work' },
  { value: 'harmful', label: 'Harmful, abusive or illegal' },
  { value: 'broken', label: 'Does not work' },
  { value: 'other', label: 'Something else' },
];
const MAX_DETAILS = 2_000;

type Outcome = 'reported' | 'already-reported';

/**
 * "Report" on a flow page, for everyone but its author: guests are sent to log in, members get a dialog (reason and
 * details) that files one report per member and flow (SPEC §14). Quiet on purpose: a text button under the actions.
 */
export function ReportFlowAction({ flow }: { flow: Flow }) {
  const { status, user } = useSession();
  const [isOpen, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const openerRef = useRef<HTMLButtonElement>(null);

  if (flow.status !== 'published' || user?.id === flow.author.id) return null;
  // While the session loads this is the guest's link, as the Copy button does (and as a page rendered on the server has it).
  if (status !== 'member') {
    return (
      <div className="report-flow">
        <Link className="report-flow-link" to={`/login?next=${encodeURIComponent(`/flows/${flow.slug}`)}`}>
          Report this flow
        </Link>
      </div>
    );
  }
  if (outcome) {
    return (
      <p className="report-flow muted" role="status">
        {outcome === 'reported' ? 'Reported. Thanks — an operator will look at it.' : 'You already reported this flow.'}
      </p>
    );
  }
  const close = (result?: Outcome) => {
    setOpen(false);
    if (result) setOutcome(result);
    else openerRef.current?.focus();
  };
  return (
    <div className="report-flow">
      <button ref={openerRef} type="button" className="report-flow-link" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Report this flow
      </button>
      {isOpen && <ReportFlowDialog flow={flow} onClose={close} />}
    </div>
  );
}

/** The browser's own modal dialog: focus stays inside and Escape closes it. */
function ReportFlowDialog({ flow, onClose }: { flow: Flow; onClose: (result?: Outcome) => void }) {
  const id = useId();
  const [reason, setReason] = useState<ReportReason | ''>('');
  const [details, setDetails] = useState('');
  const [errors, setErrors] = useState<{ reason?: string; details?: string }>({});
  const [failure, setFailure] = useState<ApiError>();
  const [result, setResult] = useState<Outcome>();
  const [isBusy, setBusy] = useState(false);
  const dialog = useModalDialog(isBusy, () => onClose(result));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (isBusy) return;
    const found = {
      reason: reason ? undefined : 'Choose what is wrong.',
      details: reason === 'other' && !details.trim() ? 'Say what is wrong with this flow.' : undefined,
    };
    setErrors(found);
    if (!reason || found.details) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await api.reportFlow(flow.id, { reason, details: details.trim() });
      setResult('reported');
    } catch (caught) {
      const error = toApiError(caught);
      if (error.kind === 'already-reported') setResult('already-reported');
      else if (error.status === 400 && Object.keys(error.fieldErrors).length > 0) setErrors(error.fieldErrors);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const reasonError = errors.reason;
  const detailsError = errors.details;
  return (
    <dialog
      {...dialog}
      className="report-dialog"
      aria-labelledby={`${id}-title`}
    >
      {result ? (
        <div className="report-dialog-body">
          <h2 id={`${id}-title`}>{result === 'reported' ? 'Thanks for the report' : 'Already reported'}</h2>
          <p className={result === 'reported' ? 'notice notice-success' : 'notice notice-info'} role="status">
            {result === 'reported' ? 'Thanks — an operator will look at it.' : 'You already reported this flow. An operator will look at it.'}
          </p>
          <div className="actions report-dialog-actions">
            <button type="button" className="button button-primary" onClick={() => onClose(result)} autoFocus>
              Close
            </button>
          </div>
        </div>
      ) : (
        <form className="report-dialog-body" onSubmit={(event) => void submit(event)} noValidate>
          <h2 id={`${id}-title`}>Report “{flow.title}”</h2>
          <p className="muted">Operators read every report. The author is not told who reported the flow.</p>
          <div className={reasonError ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-reason`}>What is wrong?</label>
            <select
              id={`${id}-reason`}
              value={reason}
              required
              onChange={(event) => {
                setReason(event.target.value as ReportReason | '');
                setErrors({});
              }}
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? `${id}-reason-error` : undefined}
            >
              <option value="">Choose a reason</option>
              {REASONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            {reasonError && (
              <p className="field-error" id={`${id}-reason-error`}>
                {reasonError}
              </p>
            )}
          </div>
          <div className={detailsError ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-details`}>Details {reason === 'other' ? '' : '(optional)'}</label>
            <textarea
              id={`${id}-details`}
              rows={4}
              value={details}
              maxLength={MAX_DETAILS}
              required={reason === 'other'}
              onChange={(event) => {
                setDetails(event.target.value);
                if (detailsError) setErrors({ ...errors, details: undefined });
              }}
              aria-invalid={detailsError ? true : undefined}
              aria-describedby={detailsError ? `${id}-details-error` : `${id}-details-hint`}
            />
            {detailsError ? (
              <p className="field-error" id={`${id}-details-error`}>
                {detailsError}
              </p>
            ) : (
              <p className="field-hint" id={`${id}-details-hint`}>
                Up to {MAX_DETAILS.toLocaleString('en-US')} characters. Links to the original help with copyright reports.
              </p>
            )}
          </div>
          {failure && (
            <div className="notice notice-error" role="alert">
              <p>
                <strong>{failure.title}</strong>
                {failure.detail && failure.detail !== failure.title ? `: ${failure.detail}` : ''}
              </p>
            </div>
          )}
          <div className="actions report-dialog-actions">
            <button type="button" className="button" onClick={() => onClose()} disabled={isBusy}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={isBusy} aria-busy={isBusy || undefined}>
              {isBusy ? 'Sending…' : 'Submit report'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
