import { Component, type ErrorInfo, type ReactNode } from 'react';

type Props = { children: ReactNode };
type State = { error: Error | undefined };

/**
 * Keeps one broken page (an answer in an unexpected shape, a page chunk that failed to download after a
 * deploy) from blanking the whole app: the header stays, and the page offers a reload.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('page crashed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        <h2 className="state-title">This page ran into a problem</h2>
        <p>Reloading usually fixes it. If it keeps happening, please tell us what you were doing.</p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}
