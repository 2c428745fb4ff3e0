import type { Dependencies } from '../dependencies.ts';
import {
  type AcknowledgementLinkClaims,
  type LinkVerdict,
  signAcknowledgementLink,
  verifyAcknowledgementLink,
} from '../domain/acknowledgement-link.ts';
import { addDays } from '../domain/calendar.ts';
import { signingKey } from '../domain/link-keys.ts';

/** Signs a link's claims with the ring's current key. */
export async function signLink(deps: Dependencies, claims: AcknowledgementLinkClaims): Promise<string> {
  return signAcknowledgementLink(claims, signingKey(await deps.acknowledgementLinkKeys()));
}

/**
 * Verifies a link with the ring as this function last read it, and once more with a fresh read when the token
 * names a key that ring does not hold. Why that is needed: the ring is cached (up to 5 minutes in Lambda,
 * functions/dependencies.ts), and a rotation makes its new key current at once (infra/link-keys.ts), so a
 * function that read the ring after the rotation can sign a link that one holding the older ring cannot yet
 * verify. Only a kid missing from the ring triggers the read, at most once per verification (and at most
 * once per 10 seconds in Lambda), so made-up kids cannot turn requests into Secrets Manager calls.
 */
export async function verifyLink(deps: Dependencies, token: string, noticeId: string): Promise<LinkVerdict> {
  const now = deps.clock.now();
  const verdict = verifyAcknowledgementLink(token, noticeId, await deps.acknowledgementLinkKeys(), now);
  if (verdict.valid || !verdict.unknownKid) return verdict;
  return verifyAcknowledgementLink(
    token,
    noticeId,
    await deps.acknowledgementLinkKeys({ refresh: true }),
    now,
  );
}

/**
 * A recipient's own link to a notice: signed, scoped to that notice and that contact, valid until a while
 * after the apply date (so a late acknowledgement or concern can still be recorded).
 */
export async function noticeLink(
  deps: Dependencies,
  claims: { changeId: string; noticeId: string; contactId: string; applyAt: Date },
): Promise<string> {
  const token = await signLink(deps, {
    changeId: claims.changeId,
    noticeId: claims.noticeId,
    contactId: claims.contactId,
    expiresAt: addDays(claims.applyAt, deps.policy.linkValidAfterApplyDays).getTime(),
  });
  return `${deps.publicBaseUrl}/notices/${encodeURIComponent(claims.noticeId)}?token=${encodeURIComponent(token)}`;
}
