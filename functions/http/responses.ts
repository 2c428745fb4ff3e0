import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...securityHeaders, ...headers },
    body: JSON.stringify(body),
  };
}

/** A CSV download (RFC 4180 text) with the same security headers as every answer. */
export function csv(statusCode: number, body: string, filename: string): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      ...securityHeaders,
    },
    body,
  };
}

/** A binary download (e.g. a PDF), base64 in the body as API Gateway and the local server send it on. */
export function binary(
  statusCode: number,
  bytes: Uint8Array,
  mediaType: string,
  filename: string,
): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': mediaType,
      'content-disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
      ...securityHeaders,
    },
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  };
}

export function html(statusCode: number, body: string): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      ...securityHeaders,
      // The notice page is static HTML with one form: no scripts at all, and never framed.
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}

export function problem(
  statusCode: number,
  error: string,
  message: string,
  extra: {
    fields?: { field: string; reason: string }[];
    earliestEffectiveDate?: string;
    conflictingChangeId?: string;
  } = {},
): HttpResponse {
  return json(statusCode, { error, message, ...extra });
}

/** A `cursor` that is not decodable, or not from a previous page of this same list (other filters, forged). */
export function unissuedCursor(what: 'list' | 'export' = 'list'): HttpResponse {
  return problem(400, 'invalid-request', `cursor is not one this API issued for this ${what}.`, {
    fields: [{ field: 'cursor', reason: `is not a cursor from a previous page of this ${what}` }],
  });
}

/** The same response with more headers (e.g. Allow on a 405), keeping its content type and security headers. */
export function withHeaders(response: HttpResponse, headers: Record<string, string>): HttpResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}
