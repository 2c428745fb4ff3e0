import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { Problem } from '../api.ts';
import { needsFormError, placeReasons } from '../components/field-reasons.ts';
import { Instant } from '../components/format.tsx';
import {
  ProfileFields,
  type ProfileValues,
  profileFieldOf,
  profileRequest,
  profileValuesOf,
} from '../components/partner-form.tsx';
import { ErrorState, LoadingState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useCan, useConsole } from '../context.ts';
import type { PartnerDetail, PartnerRecord } from '../types.ts';

/** The partner someone else saved, from a 409's body (functions/directory/routes.ts versionConflictSchema). */
function currentOf(problem: Problem): PartnerRecord | undefined {
  const current = problem.body.current;
  if (problem.error !== 'version-conflict' || typeof current !== 'object' || current === null)
    return undefined;
  return current as PartnerRecord;
}

/** Someone else's save, in words: what the partner says now, so the person can decide before reloading. */
function TheirVersion({ current, onReload }: { current: PartnerRecord; onReload(): void }) {
  return (
    <Alert
      type="warning"
      header="Someone else changed this partner"
      action={<Button onClick={onReload}>Reload their version</Button>}
    >
      <SpaceBetween size="s">
        <span>
          It is now at version {current.version} (saved <Instant iso={current.updatedAt} />
          ). Nothing of yours was saved. Reload their version into the form, make your change again, and save.
        </span>
        <KeyValuePairs
          columns={2}
          ariaLabel="The partner as it is now"
          items={[
            { label: 'Name', value: current.name },
            { label: 'Region', value: current.region ?? '—' },
            { label: 'Tier', value: current.tier ?? '—' },
            { label: 'Tags', value: current.tags.join(', ') || '—' },
            {
              label: 'Alliance manager',
              value: `${current.allianceManager.name} (${current.allianceManager.email})`,
            },
            {
              label: 'Contacts',
              value: current.contacts.map((contact) => `${contact.name} (${contact.role})`).join(', '),
            },
          ]}
        />
      </SpaceBetween>
    </Alert>
  );
}

export default function PartnerEdit() {
  const { api } = useConsole();
  const navigate = useNavigate();
  const canWrite = useCan('partner-manager');
  const { partnerId = '' } = useParams();
  const id = encodeURIComponent(partnerId);
  const [partner] = useLoad(() => api.get<PartnerDetail>(`/api/partners/${id}`), partnerId);
  const [values, setValues] = useState<ProfileValues>();
  // The version the form's values were read at: the API refuses the save if the partner has moved on.
  const [version, setVersion] = useState<number>();
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Problem>();
  useEffect(() => {
    if (partner.state !== 'ready' || values) return;
    setValues(profileValuesOf(partner.data));
    setVersion(partner.data.version);
  }, [partner, values]);

  if (!canWrite) {
    return (
      <Alert type="info" header="Partner managers edit partners">
        Your role can see the directory but not change it.
      </Alert>
    );
  }
  if (partner.state === 'loading' || (partner.state === 'ready' && !values)) {
    return <LoadingState what="the partner" />;
  }
  if (partner.state === 'error') {
    return <ErrorState problem={partner.problem} header="This partner could not be loaded" />;
  }
  const form = values!;
  const conflict = refusal ? currentOf(refusal) : undefined;
  const placed = placeReasons(conflict ? undefined : refusal, profileFieldOf);

  async function save() {
    setSaving(true);
    const result = await api.put<PartnerRecord & { outcome: 'updated' | 'unchanged' }>(
      `/api/partners/${id}`,
      {
        ...profileRequest(form),
        version,
      },
    );
    setSaving(false);
    if (result.ok) {
      navigate(`/partners/${id}`, { state: { saved: result.data.version, outcome: result.data.outcome } });
      return;
    }
    setRefusal(result.problem);
  }
  function reload(current: PartnerRecord) {
    setValues(profileValuesOf(current));
    setVersion(current.version);
    setRefusal(undefined);
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      noValidate
    >
      <Form
        header={
          <Header
            variant="h1"
            description={`Editing version ${version}. The stage moves by a stage move, not here.`}
          >
            Edit {partner.data.name}
          </Header>
        }
        errorText={
          refusal && !conflict && needsFormError(placed)
            ? [refusal.message, ...placed.unplaced.map(({ field, reason }) => `${field} ${reason}`)].join(' ')
            : undefined
        }
        errorIconAriaLabel="Error"
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={() => navigate(`/partners/${id}`)}>
              Cancel
            </Button>
            <Button variant="primary" formAction="submit" loading={saving} disabled={saving || !!conflict}>
              Save
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          {conflict ? <TheirVersion current={conflict} onReload={() => reload(conflict)} /> : null}
          <ProfileFields
            values={form}
            onChange={(next) => {
              setValues(next);
              if (!conflict) setRefusal(undefined);
            }}
            reasons={placed.byField}
          />
        </SpaceBetween>
      </Form>
    </form>
  );
}
