import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useMemo, useState } from 'react';
import { type RelationshipStage, relationshipStages } from '../../../functions/domain/relationship-stage.ts';
import type { Problem } from '../api.ts';
import { useConsole } from '../context.ts';
import type { SubmissionPreview } from '../types.ts';
import { useDryRunPreview } from './dry-run-preview.ts';
import { needsFormError, placeReasons } from './field-reasons.ts';
import { CalendarDay, stageLabel } from './format.tsx';
import { ErrorState } from './states.tsx';

const fields = ['toStage', 'effectiveDate', 'rationale'];

/**
 * Move a partner up or down the stages (POST /api/stage-moves): the new stage, the day and the reason the
 * partner will read. While it is filled in, the API's dry run says what the move would be (adverse or not,
 * its notice period, approvals, the earliest day); nothing is recorded until "Move stage".
 */
export function StageMoveModal({
  partnerId,
  currentStage,
  onClose,
  onDone,
}: {
  partnerId: string;
  currentStage: RelationshipStage;
  onClose(): void;
  onDone(changeId: string): void;
}) {
  const { api } = useConsole();
  const [toStage, setToStage] = useState<string>('');
  const [effectiveDate, setEffectiveDate] = useState('');
  const [rationale, setRationale] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Problem>();
  // One key per dialog: a double click, or a retry after a lost answer, never moves the stage twice.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const request = {
    partnerId,
    currentStage,
    toStage,
    effectiveDate: effectiveDate.trim().replace(/\//g, '-'),
    rationale,
  };
  const complete = toStage !== '' && request.effectiveDate !== '';
  const preview = useDryRunPreview<SubmissionPreview>('/api/stage-moves', request, complete);

  async function confirm() {
    setBusy(true);
    const result = await api.post<{ changeId: string }>('/api/stage-moves', request, {
      'idempotency-key': idempotencyKey,
    });
    setBusy(false);
    if (result.ok) onDone(result.data.changeId);
    else setRefusal(result.problem);
  }
  const placed = placeReasons(refusal, (path) => (fields.includes(path) ? path : undefined));
  const earliest =
    preview.state === 'ready'
      ? preview.data.earliestEffectiveDate
      : preview.state === 'refused' && typeof preview.problem.body.earliestEffectiveDate === 'string'
        ? preview.problem.body.earliestEffectiveDate
        : undefined;
  const options = relationshipStages
    .filter((stage) => stage !== currentStage)
    .map((stage) => {
      const down = relationshipStages.indexOf(stage) < relationshipStages.indexOf(currentStage);
      return {
        value: stage,
        label: stageLabel(stage),
        description: down
          ? 'Down: adverse for the partner (approval, notice, acknowledgement)'
          : 'Up: favourable',
      };
    });
  return (
    <Modal
      visible
      onDismiss={onClose}
      closeAriaLabel="Close dialog"
      header={`Move from ${stageLabel(currentStage)}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void confirm()}>
              Move stage
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
            A stage move is a change announced to the partner with your reason: moving down shortens future
            notice periods, so it waits for approval and the partner’s acknowledgement.
          </Box>
          <FormField label="New stage" errorText={placed.byField.toStage}>
            <RadioGroup
              value={toStage || null}
              items={options}
              onChange={({ detail }) => {
                setRefusal(undefined);
                setToStage(detail.value);
              }}
            />
          </FormField>
          <FormField
            label="Effective date"
            description={
              earliest ? (
                <span data-testid="stage-earliest-date">
                  Earliest allowed: <CalendarDay date={earliest} />
                </span>
              ) : (
                'The earliest allowed date shows once a stage and a date are chosen.'
              )
            }
            errorText={placed.byField.effectiveDate}
          >
            <Input
              value={effectiveDate}
              placeholder="YYYY-MM-DD"
              onChange={({ detail }) => {
                setRefusal(undefined);
                setEffectiveDate(detail.value);
              }}
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
              onChange={({ detail }) => {
                setRefusal(undefined);
                setRationale(detail.value);
              }}
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
              <Alert type={preview.data.adverse ? 'warning' : 'info'} header="Before you move the stage">
                <KeyValuePairs
                  columns={2}
                  items={[
                    { label: 'For the partner', value: preview.data.adverse ? 'Adverse' : 'Favourable' },
                    { label: 'Notice period', value: `${preview.data.noticePeriodDays} days` },
                    { label: 'Approvals needed', value: String(preview.data.approvalsRequired) },
                    {
                      label: 'Earliest effective date',
                      value: <CalendarDay date={preview.data.earliestEffectiveDate} />,
                    },
                  ]}
                />
              </Alert>
            )}
          </div>
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
