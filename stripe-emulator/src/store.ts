import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import type { Clock } from './clock.js';

// All emulator state: every Stripe object in one map (ids are globally unique, lists filter by `object`),
// plus the few internal facts Stripe never shows (card numbers, webhook secrets, dunning start times).

export type StripeObject = { id: string; object: string; created?: number; [key: string]: unknown };

export type StripeEvent = {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

export type InternalState = {
  /** payment method id → card number and how many charges it has paid */
  cards: Record<string, { number: string; successfulCharges: number }>;
  webhookSecrets: Record<string, string>;
  /** invoice id → time of its first failed attempt (dunning schedule is relative to it) */
  invoiceFirstFailure: Record<string, number>;
  /** account link token → link */
  accountLinks: Record<string, { account: string; refresh_url: string; return_url: string; expires_at: number }>;
  /** account id → the return_url of its latest account link: where its Express dashboard leads back to the platform */
  accountReturnUrls: Record<string, string>;
  /** checkout session id → line items (Stripe only shows them through /line_items) */
  checkoutLineItems: Record<string, Array<{ price: string; quantity: number }>>;
  checkoutSubscriptionMetadata: Record<string, Record<string, string>>;
  checkoutTrialDays: Record<string, number>;
  checkoutErrors: Record<string, string>;
  invoiceCounter: number;
};

export type IdempotentResponse = { paramsHash: string; status: number; body: string; expiresAt: number };

export type RequestContext = { requestId: string; idempotencyKey: string | null; account: string | null };

export const API_VERSION = '2026-10-28.endive';

type Persisted = {
  objects: StripeObject[];
  internal: InternalState;
  clockOffset: number;
};

export class Store {
  objects = new Map<string, StripeObject>();
  internal: InternalState = emptyInternal();
  idempotency = new Map<string, IdempotentResponse>();
  readonly requestContext = new AsyncLocalStorage<RequestContext>();
  private eventListeners: Array<(event: StripeEvent) => void> = [];
  private deferred: Array<() => void> = [];
  private dirty = false;
  private savedOffset = 0;

  constructor(
    readonly clock: Clock,
    private readonly stateFile?: string,
  ) {}

  now(): number {
    return this.clock.now();
  }

  newId(prefix: string, length = 24): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = randomBytes(length);
    let out = '';
    for (const byte of bytes) out += alphabet[byte % alphabet.length];
    return `${prefix}_${out}`;
  }

  insert<T extends StripeObject>(obj: T): T {
    this.objects.set(obj.id, obj);
    this.dirty = true;
    return obj;
  }

  remove(id: string): void {
    this.objects.delete(id);
    this.dirty = true;
  }

  find<T extends StripeObject>(id: string, object?: string): T | undefined {
    const found = this.objects.get(id);
    if (!found || (object !== undefined && found.object !== object)) return undefined;
    return found as T;
  }

  /** Objects of one type, newest first (Stripe's list order), insertion order breaking ties. */
  all<T extends StripeObject>(object: string): T[] {
    const out: T[] = [];
    for (const obj of this.objects.values()) if (obj.object === object) out.push(obj as T);
    return out.reverse();
  }

  touch(): void {
    this.dirty = true;
  }

  onEvent(listener: (event: StripeEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Records an event with a snapshot of `object` and hands it to the webhook dispatcher. */
  emit(type: string, object: StripeObject, previousAttributes?: Record<string, unknown>): StripeEvent {
    const ctx = this.requestContext.getStore();
    const event: StripeEvent = {
      id: this.newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: ctx?.requestId ?? null, idempotency_key: ctx?.idempotencyKey ?? null },
      type,
    };
    if (previousAttributes && Object.keys(previousAttributes).length > 0) {
      event.data.previous_attributes = previousAttributes;
    }
    this.insert(event);
    for (const listener of this.eventListeners) listener(event);
    return event;
  }

  /** Runs after the current operation's events (e.g. the automatic dispute of card 0259). */
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  runDeferred(): void {
    while (this.deferred.length > 0) this.deferred.shift()!();
  }

  reset(): void {
    this.objects.clear();
    this.internal = emptyInternal();
    this.idempotency.clear();
    this.deferred = [];
    this.clock.setOffset(0);
    this.dirty = true;
    this.save();
  }

  load(): void {
    if (!this.stateFile || !existsSync(this.stateFile)) return;
    const data = JSON.parse(readFileSync(this.stateFile, 'utf8')) as Persisted;
    this.objects = new Map(data.objects.map((o) => [o.id, o]));
    this.internal = { ...emptyInternal(), ...data.internal };
    this.clock.setOffset(data.clockOffset ?? 0);
    this.savedOffset = this.clock.offsetSeconds();
  }

  /** Writes the state file if anything changed (called after each request and each clock step). */
  save(): void {
    if (!this.stateFile || (!this.dirty && this.savedOffset === this.clock.offsetSeconds())) return;
    this.dirty = false;
    this.savedOffset = this.clock.offsetSeconds();
    const data: Persisted = {
      objects: [...this.objects.values()],
      internal: this.internal,
      clockOffset: this.clock.offsetSeconds(),
    };
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.stateFile);
  }
}

function emptyInternal(): InternalState {
  return {
    cards: {},
    webhookSecrets: {},
    invoiceFirstFailure: {},
    accountLinks: {},
    accountReturnUrls: {},
    checkoutLineItems: {},
    checkoutSubscriptionMetadata: {},
    checkoutTrialDays: {},
    checkoutErrors: {},
    invoiceCounter: 0,
  };
}

/** Top-level keys whose values changed, with their old values: Stripe's `previous_attributes`. */
export function previousAttributes(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key] ?? null;
  }
  return out;
}
