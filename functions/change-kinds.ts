import { commissionChangeKind } from './commission-changes/kind.ts';
import type { ChangeKind, ChangeKinds } from './notices/change-kind.ts';
import { reassignmentKind } from './reassignments/kind.ts';
import { stageMoveKind } from './stage-moves/kind.ts';

/**
 * The change kinds this deployment knows, by name. A new kind (a policy change, an alliance-manager
 * reassignment) is one more entry here and its own feature folder; the lifecycle itself does not change.
 */
export const changeKinds: ChangeKinds = new Map<string, ChangeKind>(
  [commissionChangeKind, stageMoveKind, reassignmentKind].map((kind) => [kind.name, kind]),
);
