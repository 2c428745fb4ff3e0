import type { Dependencies } from '../dependencies.ts';
import { signAcknowledgementLink } from '../domain/acknowledgement-link.ts';
import { addDays } from '../domain/calendar.ts';

/** Links stay valid for a while after the change applies, so a late acknowledgement can still be recorded. */
export const LINK_VALID_AFTER_APPLY_DAYS = 60;

export async function acknowledgementLink(
  deps: Dependencies,
  claims: { changeId: string; noticeId: string; contactId: string; applyAt: Date },
): Promise<string> {
  const token = signAcknowledgementLink(
    {
      changeId: claims.changeId,
      noticeId: claims.noticeId,
      contactId: claims.contactId,
      expiresAt: addDays(claims.applyAt, LINK_VALID_AFTER_APPLY_DAYS).getTime(),
    },
    await deps.acknowledgementLinkSecret(),
  );
  return `${deps.publicBaseUrl}/notices/${encodeURIComponent(claims.noticeId)}?token=${encodeURIComponent(token)}`;
}
