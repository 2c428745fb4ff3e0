import type { OutboxMessage } from '../../functions/adapters/email/local-outbox-mailer.ts';

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
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
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
}

/** An outbox message as `GET /dev/outbox` returns it. */
export type OutboxMessageView = OutboxMessage;

export { isoDateAfter, realRationale } from './fixtures.ts';
