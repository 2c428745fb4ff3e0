import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { relationshipStages } from '../../../functions/domain/relationship-stage.ts';
import type { Problem } from '../api.ts';
import { needsFormError, placeReasons } from '../components/field-reasons.ts';
import { stageLabel } from '../components/format.tsx';
import {
  emptyProfile,
  ProfileFields,
  type ProfileValues,
  profileFieldOf,
  profileRequest,
} from '../components/partner-form.tsx';
import { useCan, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { PartnerRecord } from '../types.ts';

interface NewValues {
  partnerId: string;
  stage: string;
  ratePct: string;
  rateEffectiveFrom: string;
}

/** The new partner's own fields, and the profile's, for an API field path. */
function newFieldOf(path: string): string | undefined {
  if (path === 'partnerId' || path === 'stage') return path;
  const rate = /^openingRates\.\d+\.(ratePct|effectiveFrom)$/.exec(path);
  if (rate) return rate[1] === 'ratePct' ? 'ratePct' : 'rateEffectiveFrom';
  if (path.startsWith('openingRates')) return 'ratePct';
  return profileFieldOf(path);
}

export default function PartnerNew() {
  const { api } = useConsole();
  const navigate = useNavigate();
  const follow = useFollow();
  const canWrite = useCan('partner-manager');
  const [own, setOwn] = useState<NewValues>({ partnerId: '', stage: '', ratePct: '', rateEffectiveFrom: '' });
  const [profile, setProfile] = useState<ProfileValues>(emptyProfile);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Problem>();
  if (!canWrite) {
    return (
      <Alert type="info" header="Partner managers add partners">
        Your role can see the directory but not change it.
      </Alert>
    );
  }
  const exists = refusal?.error === 'partner-exists';
  const placed = placeReasons(refusal, newFieldOf);
  const reasons: Record<string, string> = exists
    ? { ...placed.byField, partnerId: refusal?.message ?? '' }
    : placed.byField;
  const set = (key: keyof NewValues, value: string) => {
    setRefusal(undefined);
    setOwn((previous) => ({ ...previous, [key]: value }));
  };

  async function create() {
    setSaving(true);
    const rate = own.ratePct.trim() || own.rateEffectiveFrom.trim();
    const result = await api.post<PartnerRecord>('/api/partners', {
      partnerId: own.partnerId,
      stage: own.stage,
      ...profileRequest(profile),
      ...(rate
        ? {
            openingRates: [
              {
                ratePct: own.ratePct.trim() === '' ? undefined : Number(own.ratePct),
                effectiveFrom: own.rateEffectiveFrom.replace(/\//g, '-'),
              },
            ],
          }
        : {}),
    });
    setSaving(false);
    if (result.ok) {
      navigate(`/partners/${encodeURIComponent(result.data.partnerId)}`);
      return;
    }
    setRefusal(result.problem);
  }
  const stageOptions = relationshipStages.map((stage) => ({ value: stage, label: stageLabel(stage) }));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void create();
      }}
      noValidate
    >
      <Form
        header={
          <Header
            variant="h1"
            description="One partner by hand. For many, import a CSV or JSON Lines file from your CRM."
          >
            Add a partner
          </Header>
        }
        errorText={
          refusal && !exists && needsFormError(placed)
            ? [refusal.message, ...placed.unplaced.map(({ field, reason }) => `${field} ${reason}`)].join(' ')
            : undefined
        }
        errorIconAriaLabel="Error"
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={() => navigate('/partners')}>
              Cancel
            </Button>
            <Button variant="primary" formAction="submit" loading={saving} disabled={saving}>
              Add partner
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Identity and stage</Header>}>
            <SpaceBetween size="m">
              <ColumnLayout columns={2}>
                <FormField
                  label="Partner id"
                  description="Its id in your CRM or PRM: letters, digits and . _ : @ -"
                  errorText={reasons.partnerId}
                >
                  <Input value={own.partnerId} onChange={({ detail }) => set('partnerId', detail.value)} />
                </FormField>
                <FormField
                  label="Stage"
                  description="Where the relationship starts; later moves are stage moves."
                  errorText={reasons.stage}
                >
                  <Select
                    selectedOption={stageOptions.find((option) => option.value === own.stage) ?? null}
                    placeholder="Choose a stage"
                    options={stageOptions}
                    onChange={({ detail }) => set('stage', detail.selectedOption.value ?? '')}
                  />
                </FormField>
              </ColumnLayout>
              {exists ? (
                <Link href={`/partners/${encodeURIComponent(own.partnerId)}`} onFollow={follow}>
                  Open the existing partner
                </Link>
              ) : null}
            </SpaceBetween>
          </Container>
          <ProfileFields
            values={profile}
            onChange={(next) => {
              setRefusal(undefined);
              setProfile(next);
            }}
            reasons={reasons}
          />
          <Container
            header={
              <Header variant="h2" description="Optional: the partner-wide commission rate it starts with.">
                Opening rate
              </Header>
            }
          >
            <ColumnLayout columns={2}>
              <FormField label="Rate (%)" errorText={reasons.ratePct}>
                <Input
                  type="number"
                  inputMode="decimal"
                  value={own.ratePct}
                  onChange={({ detail }) => set('ratePct', detail.value)}
                />
              </FormField>
              <FormField
                label="From (UTC day)"
                constraintText="YYYY-MM-DD"
                errorText={reasons.rateEffectiveFrom}
              >
                <Input
                  value={own.rateEffectiveFrom}
                  placeholder="YYYY-MM-DD"
                  onChange={({ detail }) => set('rateEffectiveFrom', detail.value)}
                />
              </FormField>
            </ColumnLayout>
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
