/** Fake task handlers for fixtures/park-and-wait.asl.json, shaped like a product's (idempotent, on the clock). */
import type { VirtualClock } from '../src/index.ts';
import { DAY_MS, parkAndWaitFile } from './harness.ts';

export const NOTICE_DAYS = 30;
/** Follow-ups: a reminder after 7 days, another after 12, then an escalation after 20. */
const CHECK_DAYS = [7, 12, 20];

interface Change {
  adverse: boolean;
  submittedAt: number;
  followUps: number;
  acknowledged: boolean;
}

/** Fake task handlers shaped like the real ones (idempotent, and computing from the virtual clock). */
export function fakeParkAndWaitHandlers(clock: VirtualClock) {
  const changes = new Map<string, Change>();
  const calls = {
    sendNotice: [] as string[],
    awaitAcknowledgement: [] as { changeId: string; taskToken: string }[],
    followUp: [] as string[],
    applyChange: [] as string[],
  };
  const progress = (changeId: string) => {
    const change = changes.get(changeId)!;
    const applyAt = new Date(change.submittedAt + NOTICE_DAYS * DAY_MS).toISOString();
    const nextCheckDay = CHECK_DAYS[Math.min(change.followUps, CHECK_DAYS.length - 1)]!;
    const nextCheckAt = change.submittedAt + nextCheckDay * DAY_MS;
    return {
      acknowledged: change.acknowledged,
      holdForAcknowledgement: change.adverse && !change.acknowledged,
      applyAt,
      nextCheckSeconds: Math.max(1, Math.round((nextCheckAt - clock.nowMs()) / 1000)),
    };
  };
  const handlers = {
    SendNotice: async (input: unknown) => {
      const { changeId } = input as { changeId: string };
      calls.sendNotice.push(changeId);
      if (!changes.has(changeId)) {
        changes.set(changeId, {
          adverse: changeId.startsWith('cut'),
          submittedAt: clock.nowMs(),
          followUps: 0,
          acknowledged: false,
        });
      }
      return progress(changeId);
    },
    AwaitAcknowledgement: async (input: unknown) => {
      calls.awaitAcknowledgement.push(input as { changeId: string; taskToken: string });
      return { stored: true };
    },
    FollowUpAcknowledgement: async (input: unknown) => {
      const { changeId } = input as { changeId: string };
      calls.followUp.push(changeId);
      changes.get(changeId)!.followUps++;
      return progress(changeId);
    },
    ApplyChange: async (input: unknown) => {
      const { changeId } = input as { changeId: string };
      calls.applyChange.push(changeId);
      return { appliedAt: clock.now().toISOString() };
    },
  };
  const acknowledge = (changeId: string) => {
    changes.get(changeId)!.acknowledged = true;
  };
  const lastToken = (changeId: string) =>
    calls.awaitAcknowledgement.filter((call) => call.changeId === changeId).at(-1)!.taskToken;
  return { handlers, calls, acknowledge, lastToken };
}

export function parkAndWaitMachine(handlers: ReturnType<typeof fakeParkAndWaitHandlers>['handlers']) {
  return {
    name: 'ParkAndWait',
    definitionFile: parkAndWaitFile,
    substitutions: {
      SendNoticeFunctionArn: 'SendNotice',
      AwaitAcknowledgementFunctionArn: 'AwaitAcknowledgement',
      FollowUpAcknowledgementFunctionArn: 'FollowUpAcknowledgement',
      ApplyChangeFunctionArn: 'ApplyChange',
    },
    handlers,
  };
}
