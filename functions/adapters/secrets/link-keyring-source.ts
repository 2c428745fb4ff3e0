import { type LinkKeyring, parseLinkKeyring } from '../../domain/link-keys.ts';

/** How long a Lambda keeps the ring it read before reading it again (Powertools getSecret maxAge). */
export const LINK_KEYRING_MAX_AGE_SECONDS = 300;

/** The fewest milliseconds between two forced reads of the ring, whatever kids the requests name. */
export const FORCED_READ_INTERVAL_MS = 10_000;

/**
 * The ring as `read` gives it (its own cache, Powertools' in Lambda), parsed once per distinct text. A forced
 * read (a token named a kid the ring does not hold, functions/notices/links.ts) goes to the source at most once
 * per FORCED_READ_INTERVAL_MS; in between, a forced read gives the cached ring, so requests with made-up kids
 * cost nothing more than good ones. A link signed by a key published since the last read is refused only if
 * someone else forced a read in the same 10 seconds before the key was published, and then works on reload.
 */
export function linkKeyringSource(
  read: (force: boolean) => Promise<unknown>,
  monotonicNow: () => number = () => performance.now(),
): (options?: { refresh?: boolean }) => Promise<LinkKeyring> {
  let lastForced = Number.NEGATIVE_INFINITY;
  let parsed: { text: string; ring: LinkKeyring } | undefined;
  return async (options) => {
    let force = false;
    if (options?.refresh && monotonicNow() - lastForced >= FORCED_READ_INTERVAL_MS) {
      lastForced = monotonicNow();
      force = true;
    }
    const text = await read(force);
    if (typeof text !== 'string') throw new TypeError('The link-signing secret is not a string');
    if (parsed?.text !== text) parsed = { text, ring: parseLinkKeyring(text) };
    return parsed.ring;
  };
}
