import AttributeEditor from '@cloudscape-design/components/attribute-editor';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { PartnerRecord } from '../types.ts';

/**
 * The partner profile as a form edits it (the edit page and the add-partner page): strings as typed, turned
 * into the request the API validates (functions/directory/profile.ts partnerProfileSchema). The console
 * checks nothing of its own: the API's field reasons are shown on these fields.
 */
export interface ContactValues {
  contactId: string;
  name: string;
  email: string;
  role: 'primary' | 'fallback';
}

export interface ProfileValues {
  name: string;
  region: string;
  tier: string;
  /** Comma-separated, as typed. */
  tags: string;
  managerUserId: string;
  managerName: string;
  managerEmail: string;
  contacts: ContactValues[];
}

export function emptyProfile(): ProfileValues {
  return {
    name: '',
    region: '',
    tier: '',
    tags: '',
    managerUserId: '',
    managerName: '',
    managerEmail: '',
    contacts: [newContact('primary')],
  };
}

/** A contact row the person adds: its id is made here (unique within the partner), never typed. */
export function newContact(role: ContactValues['role']): ContactValues {
  return { contactId: `c-${crypto.randomUUID().slice(0, 8)}`, name: '', email: '', role };
}

export function profileValuesOf(
  partner: Pick<PartnerRecord, 'name' | 'region' | 'tier' | 'tags' | 'allianceManager' | 'contacts'>,
): ProfileValues {
  return {
    name: partner.name,
    region: partner.region ?? '',
    tier: partner.tier ?? '',
    tags: partner.tags.join(', '),
    managerUserId: partner.allianceManager.userId,
    managerName: partner.allianceManager.name,
    managerEmail: partner.allianceManager.email,
    contacts: partner.contacts.map(({ contactId, name, email, role }) => ({ contactId, name, email, role })),
  };
}

/** The profile as the API takes it: empty optional fields left out, tags split on commas. */
export function profileRequest(values: ProfileValues) {
  const tags = values.tags
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return {
    name: values.name,
    ...(values.region.trim() ? { region: values.region } : {}),
    ...(values.tier.trim() ? { tier: values.tier } : {}),
    tags,
    allianceManager: { userId: values.managerUserId, name: values.managerName, email: values.managerEmail },
    contacts: values.contacts,
  };
}

const managerFields: Record<string, string> = {
  'allianceManager.userId': 'managerUserId',
  'allianceManager.name': 'managerName',
  'allianceManager.email': 'managerEmail',
  allianceManager: 'managerUserId',
};

/**
 * The form field that shows a reason at an API field path ("contacts.1.email", "tags.0", "allianceManager"),
 * or undefined when this form has no field for it.
 */
export function profileFieldOf(path: string): string | undefined {
  if (managerFields[path]) return managerFields[path];
  const contact = /^contacts\.(\d+)\.(name|email|role)$/.exec(path);
  if (contact) return `contacts.${contact[1]}.${contact[2]}`;
  if (path === 'contacts' || path.startsWith('contacts.')) return 'contacts';
  if (path === 'tags' || path.startsWith('tags.')) return 'tags';
  if (['name', 'region', 'tier'].includes(path)) return path;
  return undefined;
}

const roleOptions = [
  { value: 'primary', label: 'Primary', description: 'Receives every notice' },
  { value: 'fallback', label: 'Fallback', description: 'Receives notices when no primary answers' },
];

/** The profile's fields: who the partner is, who owns the relationship, who receives notices. */
export function ProfileFields({
  values,
  onChange,
  reasons,
}: {
  values: ProfileValues;
  onChange(values: ProfileValues): void;
  /** The API's reasons by form field (profileFieldOf). */
  reasons: Record<string, string>;
}) {
  const set = <K extends keyof ProfileValues>(key: K, value: ProfileValues[K]) =>
    onChange({ ...values, [key]: value });
  const setContact = (index: number, change: Partial<ContactValues>) =>
    set(
      'contacts',
      values.contacts.map((contact, i) => (i === index ? { ...contact, ...change } : contact)),
    );
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Profile</Header>}>
        <SpaceBetween size="m">
          <FormField label="Name" errorText={reasons.name}>
            <Input value={values.name} onChange={({ detail }) => set('name', detail.value)} />
          </FormField>
          <ColumnLayout columns={2}>
            <FormField
              label="Region (optional)"
              description="e.g. EMEA, NA, APAC."
              errorText={reasons.region}
            >
              <Input value={values.region} onChange={({ detail }) => set('region', detail.value)} />
            </FormField>
            <FormField
              label="Tier (optional)"
              description="The programme tier, e.g. gold."
              errorText={reasons.tier}
            >
              <Input value={values.tier} onChange={({ detail }) => set('tier', detail.value)} />
            </FormField>
          </ColumnLayout>
          <FormField label="Tags (optional)" description="Separated by commas." errorText={reasons.tags}>
            <Input value={values.tags} onChange={({ detail }) => set('tags', detail.value)} />
          </FormField>
        </SpaceBetween>
      </Container>
      <Container
        header={
          <Header variant="h2" description="The vendor’s person who owns the relationship.">
            Alliance manager
          </Header>
        }
      >
        <ColumnLayout columns={3}>
          <FormField label="Alliance manager’s user id" errorText={reasons.managerUserId}>
            <Input
              value={values.managerUserId}
              onChange={({ detail }) => set('managerUserId', detail.value)}
            />
          </FormField>
          <FormField label="Alliance manager’s name" errorText={reasons.managerName}>
            <Input value={values.managerName} onChange={({ detail }) => set('managerName', detail.value)} />
          </FormField>
          <FormField label="Alliance manager’s email" errorText={reasons.managerEmail}>
            <Input
              type="email"
              inputMode="email"
              value={values.managerEmail}
              onChange={({ detail }) => set('managerEmail', detail.value)}
            />
          </FormField>
        </ColumnLayout>
      </Container>
      <Container
        header={
          <Header
            variant="h2"
            description="Notices go to the primary contacts; fallbacks are written to when a primary does not answer."
          >
            Contacts
          </Header>
        }
      >
        <FormField errorText={reasons.contacts} stretch>
          <AttributeEditor<ContactValues>
            items={values.contacts}
            addButtonText="Add contact"
            removeButtonText="Remove"
            removeButtonAriaLabel={(item) => `Remove contact ${item.name || item.email || item.contactId}`}
            onAddButtonClick={() => set('contacts', [...values.contacts, newContact('fallback')])}
            onRemoveButtonClick={({ detail }) =>
              set(
                'contacts',
                values.contacts.filter((_, index) => index !== detail.itemIndex),
              )
            }
            empty="No contacts: a partner needs at least one primary contact."
            definition={[
              {
                label: 'Contact name',
                control: (item, index) => (
                  <Input
                    value={item.name}
                    ariaLabel={`Contact ${index + 1} name`}
                    onChange={({ detail }) => setContact(index, { name: detail.value })}
                  />
                ),
                errorText: (_item, index) => reasons[`contacts.${index}.name`],
              },
              {
                label: 'Contact email',
                control: (item, index) => (
                  <Input
                    type="email"
                    inputMode="email"
                    value={item.email}
                    ariaLabel={`Contact ${index + 1} email`}
                    onChange={({ detail }) => setContact(index, { email: detail.value })}
                  />
                ),
                errorText: (_item, index) => reasons[`contacts.${index}.email`],
              },
              {
                label: 'Receives notices as',
                control: (item, index) => (
                  <Select
                    ariaLabel={`Contact ${index + 1} receives notices as`}
                    selectedOption={roleOptions.find((option) => option.value === item.role) ?? null}
                    options={roleOptions}
                    onChange={({ detail }) =>
                      setContact(index, {
                        role: detail.selectedOption.value === 'fallback' ? 'fallback' : 'primary',
                      })
                    }
                  />
                ),
                errorText: (_item, index) => reasons[`contacts.${index}.role`],
              },
            ]}
          />
        </FormField>
      </Container>
    </SpaceBetween>
  );
}
