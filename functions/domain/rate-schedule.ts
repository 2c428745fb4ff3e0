/**
 * A partner's commission rates as a dated schedule (principle 3): a change adds an entry effective from a
 * date and never overwrites history, so a sale booked before the effective date keeps the rate it was sold at.
 */
export interface RateScheduleEntry {
  partnerId: string;
  /** 'all' or a canonical scope such as 'products:edge,storage'. */
  scopeKey: string;
  /** First day (YYYY-MM-DD, UTC) the rate applies to bookings. */
  effectiveFrom: string;
  ratePct: number;
  /** When this entry was written; breaks ties between entries with the same effective date. */
  recordedAt: string;
  changeId?: string;
}

export interface ChangeScope {
  products?: string[];
  accounts?: string[];
}

export const ALL_SCOPE = 'all';

export function scopeKeyOf(scope: ChangeScope | undefined): string {
  const parts: string[] = [];
  const products = [...new Set(scope?.products ?? [])].sort();
  const accounts = [...new Set(scope?.accounts ?? [])].sort();
  if (products.length > 0) parts.push(`products:${products.join(',')}`);
  if (accounts.length > 0) parts.push(`accounts:${accounts.join(',')}`);
  return parts.length > 0 ? parts.join(';') : ALL_SCOPE;
}

/** Sort key that orders entries by scope, then effective date, then recording time. */
export function entryKeyOf(entry: RateScheduleEntry): string {
  return `${entry.scopeKey}#${entry.effectiveFrom}#${entry.recordedAt}#${entry.changeId ?? 'initial'}`;
}

function latestOnOrBefore(entries: readonly RateScheduleEntry[], scopeKey: string, day: string) {
  let best: RateScheduleEntry | undefined;
  for (const entry of entries) {
    if (entry.scopeKey !== scopeKey || entry.effectiveFrom > day) continue;
    if (
      !best ||
      entry.effectiveFrom > best.effectiveFrom ||
      (entry.effectiveFrom === best.effectiveFrom && entry.recordedAt > best.recordedAt)
    ) {
      best = entry;
    }
  }
  return best;
}

/** The rate that applies to a booking made on `day` in `scopeKey`, falling back to the partner-wide rate. */
export function rateInForce(
  entries: readonly RateScheduleEntry[],
  day: string,
  scopeKey: string = ALL_SCOPE,
): RateScheduleEntry | undefined {
  return latestOnOrBefore(entries, scopeKey, day) ?? latestOnOrBefore(entries, ALL_SCOPE, day);
}

/** The scope a key stands for ('all' is no restriction). Identifiers never contain ',' or ';' (schemas refuse them). */
export function scopeOfKey(scopeKey: string): ChangeScope {
  if (scopeKey === ALL_SCOPE) return {};
  const scope: ChangeScope = {};
  for (const part of scopeKey.split(';')) {
    const [name, list] = part.split(':');
    const items = (list ?? '').split(',').filter((item) => item.length > 0);
    if (name === 'products') scope.products = items;
    if (name === 'accounts') scope.accounts = items;
  }
  return scope;
}

export interface Booking {
  /** YYYY-MM-DD */
  bookedOn: string;
  product?: string | undefined;
  account?: string | undefined;
}

function matches(scope: ChangeScope, booking: Booking): boolean {
  const productOk =
    !scope.products?.length || (booking.product !== undefined && scope.products.includes(booking.product));
  const accountOk =
    !scope.accounts?.length || (booking.account !== undefined && scope.accounts.includes(booking.account));
  return productOk && accountOk;
}

function specificity(scope: ChangeScope): number {
  return (scope.products?.length ? 1 : 0) + (scope.accounts?.length ? 1 : 0);
}

/**
 * The rate for a sale: among the scopes that cover the booking (its product, its account, or the partner as a
 * whole), the most specific one that has a rate in force on the booking date wins; within a scope, the entry
 * in force on that day (principle 3: what was booked keeps the rate of its day, whatever came later).
 */
export function rateForBooking(
  entries: readonly RateScheduleEntry[],
  booking: Booking,
): RateScheduleEntry | undefined {
  let best: { entry: RateScheduleEntry; specificity: number } | undefined;
  const scopeKeys = new Set(entries.map((entry) => entry.scopeKey));
  for (const scopeKey of scopeKeys) {
    const scope = scopeOfKey(scopeKey);
    if (!matches(scope, booking)) continue;
    const entry = latestOnOrBefore(entries, scopeKey, booking.bookedOn);
    if (!entry) continue;
    const rank = specificity(scope);
    if (
      !best ||
      rank > best.specificity ||
      (rank === best.specificity &&
        (entry.effectiveFrom > best.entry.effectiveFrom ||
          (entry.effectiveFrom === best.entry.effectiveFrom && entry.recordedAt > best.entry.recordedAt)))
    ) {
      best = { entry, specificity: rank };
    }
  }
  return best?.entry;
}

/** Commission owed on a sale is computed at the rate in force on its booking date, whatever came later. */
export function commissionOwed(
  entries: readonly RateScheduleEntry[],
  booking: { bookedOn: string; amount: number; scopeKey?: string },
): number {
  const entry = rateInForce(entries, booking.bookedOn, booking.scopeKey);
  if (!entry) throw new Error(`No commission rate in force on ${booking.bookedOn}`);
  return Math.round(booking.amount * entry.ratePct) / 100;
}
