import { acknowledgeNotice, openNotice } from '../../commission-changes/acknowledge.ts';
import type { Dependencies } from '../../dependencies.ts';
import { acknowledgedPage, noticePage, problemPage } from '../pages.ts';
import type { ApiRequest } from '../request.ts';
import { bodyText, header } from '../request.ts';
import type { HttpResponse } from '../responses.ts';
import { acknowledgementFormSchema, noticeQuerySchema } from '../schemas.ts';

/** GET: shows the notice. It must never acknowledge: mail scanners and link previews open links. */
export async function showNotice(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  const query = noticeQuerySchema.safeParse(request.query);
  if (!query.success) return problemPage('missing-token');
  const { token } = query.data;
  const opened = await openNotice(deps, request.pathParameters.noticeId ?? '', token);
  if (!opened.ok) return problemPage(opened.problem);
  return noticePage(opened.notice, token, opened.acknowledgement);
}

/** POST from the page's button: the partner's deliberate act. */
export async function postAcknowledgement(deps: Dependencies, request: ApiRequest): Promise<HttpResponse> {
  const form = Object.fromEntries(new URLSearchParams(bodyText(request.event)));
  const parsed = acknowledgementFormSchema.safeParse(form);
  if (!parsed.success) return problemPage('missing-token');
  const outcome = await acknowledgeNotice(deps, {
    noticeId: request.pathParameters.noticeId ?? '',
    token: parsed.data.token,
    sourceIp: request.event.requestContext.http.sourceIp,
    userAgent: header(request.event, 'user-agent') ?? request.event.requestContext.http.userAgent ?? '',
  });
  if (outcome.outcome === 'refused') return problemPage(outcome.problem);
  return acknowledgedPage(outcome.notice, outcome.acknowledgement, outcome.outcome === 'already-recorded');
}
