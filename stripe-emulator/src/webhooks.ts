import { createHmac } from 'node:crypto';
import type { Faults } from './faults.js';
import type { Store, StripeEvent, StripeObject } from './store.js';

// Webhook delivery: one FIFO queue per endpoint so an endpoint sees events in the order they happened.
// The head of a queue is retried with the configured delays before the next event is sent.

export type DeliveryAttempt = {
  event_id: string;
  type: string;
  endpoint: string;
  url: string;
  attempt: number;
  status: number | null;
  outcome: 'delivered' | 'failed' | 'dropped' | 'given_up';
  error: string | null;
  at: string;
};

type Delivery = { event: StripeEvent; payload: string; attempt: number };

type EndpointQueue = { items: Delivery[]; running: boolean; timer: NodeJS.Timeout | null };

export type WebhookEndpointObject = StripeObject & { url: string; enabled_events: string[]; status: string };

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export class WebhookDispatcher {
  private queues = new Map<string, EndpointQueue>();
  readonly log: DeliveryAttempt[] = [];
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly faults: Faults,
    private readonly retryDelaysMs: number[],
    private readonly logger: (line: string) => void,
  ) {}

  enqueue(event: StripeEvent): void {
    const endpoints = this.store.all<WebhookEndpointObject>('webhook_endpoint').reverse();
    const wf = this.faults.config().webhooks;
    for (const endpoint of endpoints) {
      if (endpoint.status !== 'enabled') continue;
      if (!endpoint.enabled_events.includes('*') && !endpoint.enabled_events.includes(event.type)) continue;
      event.pending_webhooks += 1;
      if (wf.drop_rate > 0 && this.faults.random() < wf.drop_rate) {
        this.record(endpoint, { event, payload: '', attempt: 0 }, null, 'dropped', 'fault: dropped');
        continue;
      }
      const copies = wf.duplicate_rate > 0 && this.faults.random() < wf.duplicate_rate ? 2 : 1;
      const queue = this.queueFor(endpoint.id);
      for (let i = 0; i < copies; i++) {
        const delivery: Delivery = { event, payload: JSON.stringify(event, null, 2), attempt: 0 };
        // Reorder: the new event may jump ahead of the last waiting one (never ahead of the one in flight).
        const firstMovable = queue.running ? 1 : 0;
        if (wf.reorder && queue.items.length > firstMovable && this.faults.random() < 0.5) {
          queue.items.splice(queue.items.length - 1, 0, delivery);
        } else {
          queue.items.push(delivery);
        }
      }
      this.pump(endpoint.id);
    }
  }

  private queueFor(endpointId: string): EndpointQueue {
    let queue = this.queues.get(endpointId);
    if (!queue) {
      queue = { items: [], running: false, timer: null };
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  private pump(endpointId: string): void {
    const queue = this.queueFor(endpointId);
    if (queue.running || this.closed) return;
    queue.running = true;
    void this.drain(endpointId, queue);
  }

  private async drain(endpointId: string, queue: EndpointQueue): Promise<void> {
    while (queue.items.length > 0 && !this.closed) {
      const delivery = queue.items[0]!;
      const endpoint = this.store.find<WebhookEndpointObject>(endpointId, 'webhook_endpoint');
      const secret = this.store.internal.webhookSecrets[endpointId];
      if (!endpoint || !secret || endpoint.status !== 'enabled') {
        queue.items.length = 0; // endpoint deleted or disabled: nothing more to send
        break;
      }
      delivery.attempt += 1;
      const { status, error } = await this.post(endpoint.url, delivery.payload, secret);
      const ok = status !== null && status >= 200 && status < 300;
      if (ok) {
        this.record(endpoint, delivery, status, 'delivered', null);
        queue.items.shift();
        continue;
      }
      const delay = this.retryDelaysMs[delivery.attempt - 1];
      if (delay === undefined) {
        this.record(endpoint, delivery, status, 'given_up', error);
        queue.items.shift();
        continue;
      }
      this.record(endpoint, delivery, status, 'failed', error);
      await new Promise<void>((resolve) => {
        queue.timer = setTimeout(resolve, delay);
      });
      queue.timer = null;
    }
    queue.running = false;
  }

  private async post(url: string, payload: string, secret: string): Promise<{ status: number | null; error: string | null }> {
    // Signed with real time: constructEvent checks the timestamp against the receiver's real clock.
    const header = signPayload(payload, secret, Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status, error: res.ok ? null : `HTTP ${res.status}` };
    } catch (err) {
      return { status: null, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private record(
    endpoint: WebhookEndpointObject,
    delivery: Delivery,
    status: number | null,
    outcome: DeliveryAttempt['outcome'],
    error: string | null,
  ): void {
    this.log.push({
      event_id: delivery.event.id,
      type: delivery.event.type,
      endpoint: endpoint.id,
      url: endpoint.url,
      attempt: delivery.attempt,
      status,
      outcome,
      error,
      at: new Date().toISOString(),
    });
    this.logger(`webhook ${outcome} ${delivery.event.type} ${delivery.event.id} -> ${endpoint.url} (${status ?? error ?? '-'})`);
  }

  pendingCount(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.items.length;
    return n;
  }

  isIdle(): boolean {
    for (const queue of this.queues.values()) if (queue.running || queue.items.length > 0) return false;
    return true;
  }

  /** Waits until every queue is idle (retries included) or `maxWaitMs` passes. */
  async flush(maxWaitMs: number): Promise<{ idle: boolean; pending: number; delivered: number; failed: number; dropped: number; given_up: number }> {
    const deadline = Date.now() + maxWaitMs;
    while (!this.isIdle() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const count = (outcome: DeliveryAttempt['outcome']) => this.log.filter((a) => a.outcome === outcome).length;
    return {
      idle: this.isIdle(),
      pending: this.pendingCount(),
      delivered: count('delivered'),
      failed: count('failed'),
      dropped: count('dropped'),
      given_up: count('given_up'),
    };
  }

  reset(): void {
    for (const queue of this.queues.values()) {
      queue.items.length = 0;
      if (queue.timer) clearTimeout(queue.timer);
    }
    this.queues.clear();
    this.log.length = 0;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }
}
