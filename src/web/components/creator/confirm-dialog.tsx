import { type ReactNode, useId } from 'react';
import { useModalDialog, useSendOnce } from '../../lib/use-modal-dialog.js';

type ConfirmDialogProps = {
  title: string;
  /** What will happen, with the numbers: the amount and where it goes. */
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  /** Does it; a thrown problem is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
};

/**
 * A money action's confirmation: the browser's own modal dialog (focus stays inside, Escape cancels), which says
 * what will happen before anything does. Cancel does nothing; while the request runs both buttons are disabled, so
 * a double click sends it once. Unlike the console's dialog it asks for no reason: there is no audit entry to write.
 */
export function CreatorConfirmDialog({ title, children, confirmLabel, busyLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const id = useId();
  const { isBusy, error, send } = useSendOnce();
  const dialog = useModalDialog(isBusy, onClose);
  const confirm = async () => {
    if (await send(onConfirm)) onClose();
  };

  return (
    <dialog
      {...dialog}
      className="creator-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`} className="creator-dialog-body">
        {children}
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          {error.detail || error.title}
        </p>
      )}
      <div className="actions creator-dialog-actions">
        <button type="button" className="button" onClick={onClose} disabled={isBusy} autoFocus>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={() => void confirm()} disabled={isBusy} aria-busy={isBusy || undefined}>
          {isBusy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
