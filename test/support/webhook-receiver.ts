import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  eventId: string;
  idempotencyKey: string | undefined;
  type: string;
  subject: string;
  body: Record<string, unknown>;
}

/** A tiny webhook on 127.0.0.1 recording every event POSTed to it; `failing` makes it answer 503. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedEvent[];
  failing: boolean;
  /** Requests answered 503 while failing. */
  refusals: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = { received: [], failing: false, refusals: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (receiver.failing) {
        receiver.refusals += 1;
        response.writeHead(503).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      receiver.received.push({
        eventId: String(request.headers['x-pcn-event-id']),
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        type: String(body.type),
        subject: String(body.subject),
        body,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/pcn`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
