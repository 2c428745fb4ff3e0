import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { TrustOutlook } from '../../../functions/domain/trust-outlook.ts';
import type { Problem } from '../api.ts';
import { useDryRunPreview } from '../components/dry-run-preview.ts';
import { needsFormError, placeReasons } from '../components/field-reasons.ts';
import { CalendarDay, percent } from '../components/format.tsx';
import { PartnerSelect } from '../components/partner-select.tsx';
import { ErrorState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useCan, useConsole } from '../context.ts';
import type { PartnerDetail } from '../types.ts';

/** The 200 answer of a dry run (functions/commission-changes/routes.ts previewResponse), the fields shown here. */
interface Preview {
  noticePeriodDays: number;
  earliestEffectiveDate: string;
  adverse?: boolean;
  approvalsRequired: number;
  forecastTrustPoints: number;
  forecast: { rule: string; points: number; explanation: string }[];
  /**
   * The outlook, and (trust contract) the threshold under which a forecast must be acknowledged: when
   * `requiresAcknowledgement`, the submission carries `trustForecastRead: true` or is refused.
   */
  trust: TrustOutlook & { threshold?: number; requiresAcknowledgement?: boolean };
}

interface Values {
  partnerId: string;
  newRatePct: string;
  effectiveDate: string;
  rationale: string;
  internalNote: string;
  emergency: boolean;
  justification: string;
}

/** The request as the API takes it (functions/commission-changes/schemas.ts). */
function requestOf(values: Values, currentRatePct: number | null | undefined) {
  return {
    partnerId: values.partnerId,
    currentRatePct: currentRatePct ?? undefined,
    newRatePct: values.newRatePct.trim() === '' ? undefined : Number(values.newRatePct),
    effectiveDate: values.effectiveDate,
    rationale: values.rationale,
    ...(values.internalNote.trim() ? { internalNote: values.internalNote } : {}),
    ...(values.emergency ? { emergency: { justification: values.justification } } : {}),
  };
}

/** The form fields that show the API's reasons: each request field's own, the emergency's under its justification. */
const formFields = [
  'partnerId',
  'newRatePct',
  'currentRatePct',
  'effectiveDate',
  'rationale',
  'internalNote',
  'justification',
  'trustForecastRead',
];

function formFieldOf(path: string): string | undefined {
  const field = path.startsWith('emergency') ? 'justification' : (path.split('.')[0] ?? path);
  return formFields.includes(field) ? field : undefined;
}

export default function SubmitChange() {
  const { api } = useConsole();
  const navigate = useNavigate();
  const canSubmit = useCan('finance');
  const [params] = useSearchParams();
  const [values, setValues] = useState<Values>({
    partnerId: params.get('partnerId') ?? '',
    newRatePct: '',
    effectiveDate: '',
    rationale: '',
    internalNote: '',
    emergency: false,
    justification: '',
  });
  const [touched, setTouched] = useState<Set<string>>(new Set());
  // One key per form: a double click, or a retry after a lost answer, replays instead of submitting twice.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [partner] = useLoad(
    () =>
      values.partnerId
        ? api.get<PartnerDetail>(`/api/partners/${encodeURIComponent(values.partnerId)}`)
        : Promise.resolve({ ok: true as const, status: 200, data: undefined as unknown as PartnerDetail }),
    values.partnerId,
  );
  const current = partner.state === 'ready' && partner.data ? partner.data : undefined;
  const [submitting, setSubmitting] = useState(false);
  const [submitProblem, setSubmitProblem] = useState<Problem>();
  const [forecastRead, setForecastRead] = useState(false);
  const request = requestOf(values, current?.currentRatePct);
  const complete = Boolean(values.partnerId && current && values.newRatePct.trim() && values.effectiveDate);
  // The last preview stays while the next is on its way, so the figures do not flicker as one types.
  const preview = useDryRunPreview<Preview>('/api/commission-changes', request, complete, {
    keepWhileLoading: true,
  });

  if (!canSubmit) {
    return (
      <Alert type="info" header="Finance submits changes">
        Your role can see changes but not submit them.
      </Alert>
    );
  }
  const shownProblem = submitProblem ?? (preview.state === 'refused' ? preview.problem : undefined);
  const placed = placeReasons(shownProblem, formFieldOf);
  const reasons = placed.byField;
  // While typing, only fields already left are judged; after pressing submit, all of them.
  const reasonFor = (field: string) => (submitProblem || touched.has(field) ? reasons[field] : undefined);
  const earliest =
    preview.state === 'ready'
      ? preview.data.earliestEffectiveDate
      : typeof shownProblem?.body.earliestEffectiveDate === 'string'
        ? shownProblem.body.earliestEffectiveDate
        : undefined;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setSubmitProblem(undefined);
    // Another change means another forecast: what was read no longer holds.
    setForecastRead(false);
    setValues((previous) => ({ ...previous, [key]: value }));
  };
  const leave = (field: string) => setTouched((previous) => new Set(previous).add(field));

  const mustAcknowledge =
    (preview.state === 'ready' && preview.data.trust.requiresAcknowledgement === true) ||
    submitProblem?.error === 'trust-forecast-unread';

  async function submit() {
    if (mustAcknowledge && !forecastRead) {
      // The API would refuse it the same way (422 trust-forecast-unread): say so before asking.
      const reason = 'must be ticked: the forecast is under the threshold';
      setSubmitProblem({
        status: 422,
        error: 'trust-forecast-unread',
        message: `trustForecastRead ${reason}.`,
        fields: [{ field: 'trustForecastRead', reason }],
        body: {},
      });
      return;
    }
    setSubmitting(true);
    // Only on the submission, not the dry run: ticking the box changes nothing the preview computes.
    const body = mustAcknowledge && forecastRead ? { ...request, trustForecastRead: true } : request;
    const result = await api.post<{ changeId: string }>('/api/commission-changes', body, {
      'idempotency-key': idempotencyKey,
    });
    setSubmitting(false);
    if (result.ok) {
      navigate(`/changes/${encodeURIComponent(result.data.changeId)}`);
      return;
    }
    setSubmitProblem(result.problem);
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      noValidate
    >
      <Form
        header={
          <Header
            variant="h1"
            description="A commission change for one partner: announced in advance, with your rationale, acknowledged by the partner."
          >
            Submit a commission change
          </Header>
        }
        errorText={submitProblem && needsFormError(placed) ? submitProblem.message : undefined}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={() => navigate('/changes')}>
              Cancel
            </Button>
            <Button variant="primary" formAction="submit" loading={submitting} disabled={submitting}>
              Submit for approval
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Partner</Header>}>
            <SpaceBetween size="m">
              <FormField label="Partner" errorText={reasonFor('partnerId')}>
                <PartnerSelect
                  value={values.partnerId}
                  onChange={(partnerId) => set('partnerId', partnerId)}
                  onBlur={() => leave('partnerId')}
                />
              </FormField>
              {partner.state === 'error' ? <ErrorState problem={partner.problem} /> : null}
              {current ? (
                <KeyValuePairs
                  columns={3}
                  items={[
                    {
                      label: 'Current rate',
                      value: <span data-testid="current-rate">{percent(current.currentRatePct)}</span>,
                    },
                    { label: 'Stage', value: current.stage },
                    { label: 'Alliance manager', value: current.allianceManager.name },
                  ]}
                />
              ) : null}
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">The change</Header>}>
            <SpaceBetween size="m">
              <ColumnLayout columns={2}>
                <FormField
                  label="New rate (%)"
                  description="At most two decimals."
                  errorText={reasonFor('newRatePct') ?? reasonFor('currentRatePct')}
                >
                  <Input
                    type="number"
                    inputMode="decimal"
                    value={values.newRatePct}
                    onChange={({ detail }) => set('newRatePct', detail.value)}
                    onBlur={() => leave('newRatePct')}
                  />
                </FormField>
                <FormField
                  label="Effective date"
                  description={
                    earliest ? (
                      <span data-testid="earliest-date">
                        Earliest allowed: <CalendarDay date={earliest} />
                      </span>
                    ) : (
                      'The earliest allowed date shows once partner and rate are chosen.'
                    )
                  }
                  errorText={reasonFor('effectiveDate')}
                >
                  <DatePicker
                    value={values.effectiveDate}
                    placeholder="YYYY/MM/DD"
                    openCalendarAriaLabel={(selected) =>
                      `Choose the effective date${selected ? `, selected ${selected}` : ''}`
                    }
                    onChange={({ detail }) => set('effectiveDate', detail.value)}
                    onBlur={() => leave('effectiveDate')}
                  />
                </FormField>
              </ColumnLayout>
              <FormField
                label="Rationale"
                description="Shown to the partner verbatim: why, and what it means for them."
                errorText={reasonFor('rationale')}
              >
                <Textarea
                  value={values.rationale}
                  rows={5}
                  onChange={({ detail }) => set('rationale', detail.value)}
                  onBlur={() => leave('rationale')}
                />
              </FormField>
              <FormField
                label="Internal note (optional)"
                description="Never shown to the partner."
                errorText={reasonFor('internalNote')}
              >
                <Textarea
                  value={values.internalNote}
                  rows={2}
                  onChange={({ detail }) => set('internalNote', detail.value)}
                />
              </FormField>
              <Checkbox
                checked={values.emergency}
                onChange={({ detail }) => set('emergency', detail.checked)}
                description="Shorter than the normal notice period: needs a second approver and costs trust."
              >
                Emergency: short notice
              </Checkbox>
              {values.emergency ? (
                <FormField
                  label="Emergency justification"
                  description="Shown to the partner: what forces the short notice."
                  errorText={reasonFor('justification')}
                >
                  <Textarea
                    value={values.justification}
                    rows={3}
                    onChange={({ detail }) => set('justification', detail.value)}
                    onBlur={() => leave('justification')}
                  />
                </FormField>
              ) : null}
            </SpaceBetween>
          </Container>
          <Container
            header={
              <Header
                variant="h2"
                description="Computed by the API from the same rules a submission meets; nothing is saved yet."
              >
                Before you submit
              </Header>
            }
          >
            {preview.state === 'idle' ? (
              <Box color="text-status-inactive">
                Choose a partner, a new rate and an effective date to see the notice period and the trust
                forecast.
              </Box>
            ) : preview.state === 'loading' ? (
              <Box>
                <Spinner /> Checking…
              </Box>
            ) : preview.state === 'refused' ? (
              <ErrorState problem={preview.problem} header="As it stands, this would be refused" />
            ) : (
              <SpaceBetween size="m">
                <KeyValuePairs
                  columns={4}
                  items={[
                    { label: 'Notice period', value: `${preview.data.noticePeriodDays} days` },
                    {
                      label: 'Earliest effective date',
                      value: <CalendarDay date={preview.data.earliestEffectiveDate} />,
                    },
                    { label: 'Approvals needed', value: String(preview.data.approvalsRequired) },
                    {
                      label: 'Trust',
                      value: (
                        <span data-testid="trust-forecast">
                          {preview.data.trust.scoreNow} → {preview.data.trust.scoreAfter}
                        </span>
                      ),
                    },
                  ]}
                />
                {preview.data.trust.flags.length > 0 ? (
                  <Alert type="warning" header="Before you submit, know that">
                    <ul>
                      {preview.data.trust.flags.map((item) => (
                        <li key={`${item.flag}:${item.changeId ?? ''}`}>{item.message}</li>
                      ))}
                    </ul>
                  </Alert>
                ) : null}
                {mustAcknowledge ? (
                  <FormField
                    label="Trust forecast"
                    description={`The score after this change (${preview.data.trust.scoreAfter}) is under the threshold of ${preview.data.trust.threshold ?? '—'}: the audit trail records that you read this forecast.`}
                    errorText={reasons.trustForecastRead}
                  >
                    <Checkbox
                      checked={forecastRead}
                      onChange={({ detail }) => {
                        setSubmitProblem(undefined);
                        setForecastRead(detail.checked);
                      }}
                    >
                      <span data-testid="trust-forecast-read">I have read this forecast</span>
                    </Checkbox>
                  </FormField>
                ) : null}
                <ul aria-label="Trust forecast">
                  {preview.data.forecast.map((item) => (
                    <li key={item.rule}>
                      {item.explanation}: {item.points > 0 ? '+' : ''}
                      {item.points}
                    </li>
                  ))}
                </ul>
              </SpaceBetween>
            )}
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
