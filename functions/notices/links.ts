import type { Dependencies } from '../dependencies.ts';
import { signAcknowledgementLink } from '../domain/acknowledgement-link.ts';
import { addDays } from '../domain/calendar.ts';

/**
 * A recipient's own link to a notice: signed, scoped to that notice and that contact, valid until a while
 * after the apply date (so a late acknowledgement or concern can still be recorded).
 */
export async function noticeLink(
  deps: Dependencies,
  claims: { changeId: string; noticeId: string; contactId: string; applyAt: Date },
): Promise<string> {
  const token = signAcknowledgementLink(
    {
      changeId: claims.changeId,
      noticeId: claims.noticeId,
      contactId: claims.contactId,
      expiresAt: addDays(claims.applyAt, deps.policy.linkValidAfterApplyDays).getTime(),
    },
    await deps.acknowledgementLinkSecret(),
  );
  return `${deps.publicBaseUrl}/notices/${encodeURIComponent(claims.noticeId)}?token=${encodeURIComponent(token)}`;
}
