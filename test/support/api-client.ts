import type { OutboxMessage } from '../../functions/adapters/email/local-outbox-mailer.ts';
import { isoDateAfter, realRationale } from './fixtures.ts';

/** A small client for the local system's real HTTP API, as a person with curl would use it. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      token?: string;
      json?: unknown;
      form?: Record<string, string>;
      /** A raw body, sent as it is (its content type in `headers`): an import's CSV or JSON Lines. */
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.body !== undefined) {
      body = options.body;
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (text && (response.headers.get('content-type') ?? '').includes('application/json'))
      parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  async token(role: string, user = `${role}-user`): Promise<string> {
    const response = await this.request<{ token: string }>('POST', '/dev/token', { json: { user, role } });
    if (response.status !== 200) throw new Error(`token: ${response.status} ${response.text}`);
    return response.body.token;
  }

  async now(): Promise<Date> {
    const response = await this.request<{ now: string }>('GET', '/dev/clock');
    return new Date(response.body.now);
  }

  async advance(days: number): Promise<Date> {
    const response = await this.request<{ now: string }>('POST', '/dev/clock/advance', { json: { days } });
    if (response.status !== 200) throw new Error(`advance: ${response.status} ${response.text}`);
    return new Date(response.body.now);
  }

  async settle(): Promise<void> {
    await this.request('POST', '/dev/workflows/settle');
  }

  async outbox(): Promise<OutboxMessageView[]> {
    const response = await this.request<{ messages: OutboxMessageView[] }>('GET', '/dev/outbox');
    return response.body.messages;
  }

  /** The messages about a change, oldest first, optionally only those of some kinds. */
  async messagesOf(changeId: string, kinds?: readonly string[]): Promise<OutboxMessageView[]> {
    await this.settle();
    return (await this.outbox())
      .filter((message) => message.changeId === changeId && (!kinds || kinds.includes(message.kind)))
      .reverse();
  }

  /** A second person approves the change (maker-checker), and the workflow settles. */
  async approve(changeId: string, approver = 'amara', comment = 'Checked the numbers and the rationale.') {
    const token = await this.token('approver', approver);
    const response = await this.request<{ status: string }>('POST', `/api/changes/${changeId}/approval`, {
      token,
      json: { decision: 'approve', comment },
    });
    if (response.status !== 200) throw new Error(`approve: ${response.status} ${response.text}`);
    await this.settle();
    return response.body;
  }

  /**
   * A commission cut of one point submitted by `submitter` (a finance token) for `days` ahead and approved: its
   * notice is out. Returns the change and the notice's link, as the partner's email holds it.
   */
  async approvedCut(submitter: string, partnerId: string, currentRatePct: number, days: number) {
    const submitted = await this.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: submitter,
      json: {
        partnerId,
        currentRatePct,
        newRatePct: currentRatePct - 1,
        effectiveDate: isoDateAfter(await this.now(), days),
        rationale: realRationale,
      },
    });
    if (submitted.status !== 201) throw new Error(`submit: ${submitted.status} ${submitted.text}`);
    await this.approve(submitted.body.changeId);
    const [notice] = await this.messagesOf(submitted.body.changeId, ['notice']);
    if (!notice) throw new Error(`no notice for ${submitted.body.changeId}`);
    return { changeId: submitted.body.changeId, link: new URL(notice.links[0]!) };
  }

  /** The partner presses Acknowledge on the notice's page (the form POST the page sends). */
  acknowledgeLink(link: URL) {
    return this.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token') ?? '' },
    });
  }

  /** The local event log (GET /dev/events), after the workflows and the publisher settled. */
  async events(query: Record<string, string> = {}): Promise<EventView[]> {
    await this.settle();
    const response = await this.request<{ events: EventView[] }>(
      'GET',
      `/dev/events?${new URLSearchParams({ limit: '1000', ...query })}`,
    );
    if (response.status !== 200) throw new Error(`events: ${response.status} ${response.text}`);
    return response.body.events;
  }

  /** The change as staff see it. */
  async view<T = ChangeView>(changeId: string, token: string): Promise<T> {
    const response = await this.request<T>('GET', `/api/changes/${changeId}`, { token });
    if (response.status !== 200) throw new Error(`view: ${response.status} ${response.text}`);
    return response.body;
  }
}

/** An event of the local event log, as GET /dev/events lists it. */
export interface EventView {
  eventId: string;
  type: string;
  version: number;
  time: string;
  subject: string;
  detail: Record<string, unknown>;
  auditRef: { stream: string; seq: number; hash: string };
  publishedAt?: string;
}

/** What the tests read of GET /api/changes/{changeId}. */
export interface ChangeView {
  changeId: string;
  status: string;
  applyAt?: string;
  applyAtReason?: string;
  appliedFrom?: string;
  terms: Record<string, unknown>;
  timeline: { type: string; actor: string }[];
  openTasks: { task: string; who: string; dueAt?: string }[];
  nextDeadline?: { at: string; what: string };
}

/** The kinds of email a partner contact receives about a notice. */
export const partnerNoticeKinds = ['notice', 'reminder', 'fallback-notice'] as const;

/** An outbox message as `GET /dev/outbox` returns it. */
export type OutboxMessageView = OutboxMessage;

export { dateInWords, isoDateAfter, realRationale } from './fixtures.ts';
