import { sesEmail } from '../composition/email.ts';
import { composeDependencies, type Dependencies, lazyHandler, type Pieces } from '../dependencies.ts';
import { type FeedbackOutcome, recordEmailFeedback } from '../email-feedback/record-feedback.ts';

/**
 * EventBridge (default bus, source aws.ses): an SES bounce or complaint of the configuration set
 * (infra/email.ts). An event we cannot use is answered `ignored` and logged, so only a real failure (DynamoDB)
 * throws: EventBridge retries it, then it goes to the rule's dead-letter queue.
 */
export function createEmailFeedbackHandler(deps: Dependencies) {
  return async (event: { detail?: unknown }): Promise<FeedbackOutcome> => {
    deps.logger.resetKeys();
    return recordEmailFeedback(deps, event.detail);
  };
}

/** The clients this function is composed with: it emails the fallback contacts of a bounced notice. */
export const pieces: Partial<Pieces> = { email: sesEmail };

export const handler = lazyHandler(() => createEmailFeedbackHandler(composeDependencies(pieces)));
