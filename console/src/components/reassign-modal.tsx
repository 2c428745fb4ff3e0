import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useMemo, useState } from 'react';
import type { Problem } from '../api.ts';
import { useConsole } from '../context.ts';
import type { SubmissionPreview } from '../types.ts';
import { useDryRunPreview } from './dry-run-preview.ts';
import { needsFormError, placeReasons } from './field-reasons.ts';
import { CalendarDay } from './format.tsx';
import { ErrorState } from './states.tsx';

const PATH = '/api/reassignments';
const fields = ['incomingManager', 'effectiveDate', 'rationale'];

/**
 * Reassign a partner's alliance manager (POST /api/reassignments): who takes over (a staff user id), the
 * handover date and the reason the partner will read. The API's dry run checks the manager as it is typed
 * (unknown staff, the current manager) and shows the notice period, approvals and the trust flags (a
 * reassignment within 12 months); nothing is recorded until "Reassign".
 */
export function ReassignModal({
  partnerId,
  currentManager,
  onClose,
  onDone,
}: {
  partnerId: string;
  currentManager: { userId: string; name: string };
  onClose(): void;
  onDone(changeId: string): void;
}) {
  const { api } = useConsole();
  const [incomingManager, setIncomingManager] = useState('');
  const [effectiveDate, setEffectiveDate] = useState('');
  const [rationale, setRationale] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Problem>();
  // One key per dialog: a double click, or a retry after a lost answer, never reassigns twice.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const request = {
    partnerId,
    incomingManager: incomingManager.trim(),
    effectiveDate: effectiveDate.trim().replace(/\//g, '-'),
    rationale,
  };
  const complete = request.incomingManager !== '' && request.effectiveDate !== '';
  const preview = useDryRunPreview<SubmissionPreview>(PATH, request, complete);

  async function confirm() {
    setBusy(true);
    const result = await api.post<{ changeId: string }>(PATH, request, { 'idempotency-key': idempotencyKey });
    setBusy(false);
    if (result.ok) onDone(result.data.changeId);
    else setRefusal(result.problem);
  }
  const placed = placeReasons(refusal, (path) => (fields.includes(path) ? path : undefined));
  const edit = (set: (value: string) => void) => (value: string) => {
    setRefusal(undefined);
    set(value);
  };
  return (
    <Modal
      visible
      onDismiss={onClose}
      closeAriaLabel="Close dialog"
      header={`Reassign from ${currentManager.name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void confirm()}>
              Reassign
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form
        errorText={
          refusal && needsFormError(placed)
            ? [refusal.message, ...placed.unplaced.map(({ field, reason }) => `${field} ${reason}`)].join(' ')
            : undefined
        }
        errorIconAriaLabel="Error"
      >
        <SpaceBetween size="m">
          <Box>
            The partner is told who the new manager is, how to reach them, why and from when; it waits for
            approval and the partner’s acknowledgement. Both managers then record the handover.
          </Box>
          <FormField
            label="New alliance manager"
            description="The staff user id (partner-manager role)."
            errorText={placed.byField.incomingManager}
          >
            <Input
              value={incomingManager}
              onChange={({ detail }) => edit(setIncomingManager)(detail.value)}
            />
          </FormField>
          <FormField label="Handover date" errorText={placed.byField.effectiveDate}>
            <Input
              value={effectiveDate}
              placeholder="YYYY-MM-DD"
              onChange={({ detail }) => edit(setEffectiveDate)(detail.value)}
            />
          </FormField>
          <FormField
            label="Rationale"
            description="Shown to the partner verbatim: why, and what it means for them."
            errorText={placed.byField.rationale}
          >
            <Textarea
              value={rationale}
              rows={4}
              onChange={({ detail }) => edit(setRationale)(detail.value)}
            />
          </FormField>
          <div aria-live="polite">
            {preview.state === 'idle' ? null : preview.state === 'loading' ? (
              <Box>
                <Spinner /> Checking…
              </Box>
            ) : preview.state === 'refused' ? (
              <ErrorState problem={preview.problem} header="As it stands, this would be refused" />
            ) : (
              <Alert type="warning" header="Before you reassign">
                <SpaceBetween size="s">
                  <KeyValuePairs
                    columns={2}
                    items={[
                      { label: 'Notice period', value: `${preview.data.noticePeriodDays} days` },
                      { label: 'Approvals needed', value: String(preview.data.approvalsRequired) },
                      {
                        label: 'Earliest handover date',
                        value: <CalendarDay date={preview.data.earliestEffectiveDate} />,
                      },
                      {
                        label: 'Trust score',
                        value: `${preview.data.trust.scoreNow} → ${preview.data.trust.scoreAfter}`,
                      },
                    ]}
                  />
                  {preview.data.trust.flags.map((flag) => (
                    <Box key={`${flag.flag}${flag.changeId ?? ''}`} color="text-status-warning">
                      {flag.message}
                    </Box>
                  ))}
                </SpaceBetween>
              </Alert>
            )}
          </div>
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
