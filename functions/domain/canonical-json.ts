import canonicalize from 'canonicalize';

/**
 * The RFC 8785 JSON Canonicalization Scheme (JCS) encoding of `value`, from `canonicalize` (by an author of
 * the RFC): sorted keys, ECMAScript number form, no whitespace. What the audit chain and the notice content
 * hash are computed over, so a verifier in any language with a JCS library recomputes the same bytes.
 * Input strings are well-formed (the router refuses lone surrogates, which JCS cannot encode).
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}
