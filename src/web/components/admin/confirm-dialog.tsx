import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { useModalDialog, useSendOnce } from '../../lib/use-modal-dialog.js';

export type ConfirmDialogProps = {
  /** The dialog's heading, e.g. "Suspend alice". */
  title: string;
  description?: ReactNode;
  /** The button that does it, e.g. "Confirm suspend". */
  confirmLabel: string;
  isDestructive?: boolean;
  /** Fields besides the reason (a refund's amount, a report's action). */
  children?: ReactNode;
  /** A message for a field besides the reason that is not valid yet; the dialog does not submit while there is one. */
  validate?: () => string | undefined;
  /** Does the thing; the answer's message (if any) is shown by the caller after the dialog closes. */
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
};

/**
 * Every destructive console action goes through here: a modal dialog (the browser's own, so focus stays inside and
 * Escape closes it) asking for a reason, then a confirm button. The API's problem detail is shown in the dialog,
 * never swallowed; while the request runs the buttons are disabled, so a double click sends it once.
 */
export function ConfirmDialog({ title, description, confirmLabel, isDestructive = true, children, validate, onConfirm, onClose }: ConfirmDialogProps) {
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const { isBusy, error, send } = useSendOnce();
  const dialog = useModalDialog(isBusy, onClose);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (isBusy) return;
    const trimmed = reason.trim();
    const fieldMessage = validate?.();
    setFormError(fieldMessage);
    setReasonError(trimmed ? undefined : 'Give a reason: it is kept in the audit log.');
    if (!trimmed && !fieldMessage) reasonRef.current?.focus();
    if (!trimmed || fieldMessage) return;
    if (await send(() => onConfirm(trimmed))) onClose();
  };

  return (
    <dialog
      {...dialog}
      className="admin-dialog"
      aria-labelledby={`${id}-title`}
    >
      <form onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={`${id}-title`}>{title}</h2>
        {description && <div className="admin-dialog-description">{description}</div>}
        {children}
        {formError && (
          <p className="notice notice-error" role="alert">
            {formError}
          </p>
        )}
        <div className={reasonError ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            ref={reasonRef}
            id={`${id}-reason`}
            rows={3}
            value={reason}
            required
            maxLength={1000}
            onChange={(event) => {
              setReason(event.target.value);
              if (event.target.value.trim()) setReasonError(undefined);
            }}
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${id}-reason-error` : `${id}-reason-hint`}
          />
          {reasonError ? (
            <p className="field-error" id={`${id}-reason-error`}>
              {reasonError}
            </p>
          ) : (
            <p className="field-hint" id={`${id}-reason-hint`}>
              Recorded in the audit log with your name.
            </p>
          )}
        </div>
        {error && (
          <div className="notice notice-error" role="alert">
            <p>
              <strong>{error.title}</strong>
              {error.detail && error.detail !== error.title ? `: ${error.detail}` : ''}
            </p>
          </div>
        )}
        <div className="actions admin-dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={isBusy}>
            Cancel
          </button>
          <button type="submit" className={isDestructive ? 'button button-danger-solid' : 'button button-primary'} disabled={isBusy} aria-busy={isBusy || undefined}>
            {isBusy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

type ConfirmActionProps = Omit<ConfirmDialogProps, 'onClose' | 'onConfirm'> & {
  /** The button that opens the dialog, e.g. "Suspend…". */
  buttonLabel: string;
  buttonClassName?: string;
  disabled?: boolean;
  /** Does the thing; a returned message is announced after the dialog closes. */
  onConfirm: (reason: string) => Promise<string | void>;
  onDone?: (message: string | undefined) => void;
};

/** A button that opens a ConfirmDialog; the dialog (and anything it remembers) is new on every opening. */
export function ConfirmAction({ buttonLabel, buttonClassName = 'button', disabled, onConfirm, onDone, ...dialog }: ConfirmActionProps) {
  const [isOpen, setOpen] = useState(false);
  const openerRef = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    openerRef.current?.focus();
  };
  return (
    <>
      <button ref={openerRef} type="button" className={buttonClassName} onClick={() => setOpen(true)} disabled={disabled} aria-haspopup="dialog">
        {buttonLabel}
      </button>
      {isOpen && (
        <ConfirmDialog
          {...dialog}
          onClose={close}
          onConfirm={async (reason) => {
            const message = await onConfirm(reason);
            onDone?.(message ?? undefined);
          }}
        />
      )}
    </>
  );
}

/** A fresh idempotency key: crypto.randomUUID where the page is a secure context, else 16 random bytes in hex. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
