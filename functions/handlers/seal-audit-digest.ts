import { sealAuditDigest } from '../audit/anchoring.ts';
import { s3AndKmsAnchoring } from '../composition/audit-anchoring.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';

/** Scheduled (EventBridge): seals every audit stream's head into the next signed digest in the Object Lock bucket. */
export function createSealAuditDigestHandler(deps: Dependencies) {
  return async (_event: unknown): Promise<{ outcome: string; number: number }> => {
    deps.logger.resetKeys();
    const sealed = await sealAuditDigest(deps);
    const number = sealed.outcome === 'raced' ? sealed.number : sealed.digest.number;
    deps.logger.info('Audit digest', { outcome: sealed.outcome, digestNumber: number });
    // The "no digest sealed in 2 hours" alarm (infra/operations.ts) watches this count: any outcome is a run
    // that worked (nothing moved, or another run sealed this number), a throw is not.
    deps.metrics.count('AuditSealRuns');
    return { outcome: sealed.outcome, number };
  };
}

/** The clients this function is composed with (its IAM grants allow no other; a test checks the two agree). */
export const pieces: Partial<Pieces> = { anchoring: s3AndKmsAnchoring };

export const handler = lazyHandler(() => createSealAuditDigestHandler(composeDependencies(pieces)));
