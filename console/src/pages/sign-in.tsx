import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import type { ConsoleConfig } from '../../../functions/config/console-config.ts';
import type { Role } from '../../../functions/config/roles.ts';
import { roleLabel } from '../components/format.tsx';
import { cognitoUserManager, type Session, storeSession } from '../session.ts';

interface Person {
  userId: string;
  name: string;
  roles: Role[];
}

interface Props {
  config: ConsoleConfig;
  onSignedIn(session: Session): void;
  signedOut?: boolean;
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <main style={{ maxWidth: '34rem', margin: '0 auto', padding: '3rem 1rem' }}>
      <SpaceBetween size="l">
        <Box variant="h1" fontSize="display-l">
          Partner Change Notice
        </Box>
        {children}
      </SpaceBetween>
    </main>
  );
}

/** AWS: the Cognito hosted UI signs people in (authorization code with PKCE). */
function CognitoSignIn({ config, signedOut }: Props) {
  const [error, setError] = useState<string>();
  if (config.auth.mode !== 'cognito') return null;
  const auth = config.auth;
  return (
    <Frame>
      {signedOut ? <Alert type="success">You are signed out.</Alert> : null}
      {error ? <Alert type="error">{error}</Alert> : null}
      <Container header={<Header variant="h2">Sign in</Header>}>
        <SpaceBetween size="m">
          <Box>
            Sign in with your company account. Your role (finance, approver, partner manager, compliance)
            comes from your groups.
          </Box>
          <Button
            variant="primary"
            onClick={() =>
              cognitoUserManager(auth)
                .then((manager) => manager.signinRedirect())
                .catch((cause: unknown) => setError(`Sign-in could not start: ${String(cause)}`))
            }
          >
            Sign in
          </Button>
        </SpaceBetween>
      </Container>
    </Frame>
  );
}

/** Local mode: pick one of the seeded people and one of their roles; the local server issues a dev token. */
function DevSignIn({ onSignedIn, signedOut }: Props) {
  const [people, setPeople] = useState<Person[] | 'loading' | 'failed'>('loading');
  const [person, setPerson] = useState<SelectProps.Option | null>(null);
  const [role, setRole] = useState<Role | undefined>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    fetch('/dev/people')
      .then((response) =>
        response.ok ? (response.json() as Promise<{ people: Person[] }>) : Promise.reject(),
      )
      .then((body) => setPeople(body.people))
      .catch(() => setPeople('failed'));
  }, []);
  const chosen = Array.isArray(people) ? people.find((item) => item.userId === person?.value) : undefined;
  async function signIn() {
    if (!chosen || !role) {
      setError('Choose a person and a role.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: chosen.userId, role }),
      });
      const body = (await response.json()) as { token?: string; message?: string };
      const session = body.token ? storeSession(body.token) : undefined;
      if (!session) throw new Error(body.message ?? `The local server answered ${response.status}.`);
      onSignedIn(session);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Frame>
      {signedOut ? <Alert type="success">You are signed out.</Alert> : null}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void signIn();
        }}
      >
        <Form
          header={
            <Header
              variant="h2"
              description="Local mode: choose one of the seeded people and act in one of their roles."
            >
              Sign in (local)
            </Header>
          }
          errorText={error}
          actions={
            <Button variant="primary" formAction="submit" loading={busy} disabled={!chosen || !role}>
              Sign in
            </Button>
          }
        >
          <Container>
            <SpaceBetween size="l">
              {people === 'failed' ? (
                <Alert type="error">The list of people could not be read from the local server.</Alert>
              ) : null}
              <FormField label="Person">
                <Select
                  selectedOption={person}
                  placeholder="Choose a person"
                  statusType={people === 'loading' ? 'loading' : 'finished'}
                  loadingText="Loading people"
                  options={
                    Array.isArray(people)
                      ? people.map((item) => ({
                          value: item.userId,
                          label: item.name,
                          description: `${item.userId} · ${item.roles.map(roleLabel).join(', ')}`,
                        }))
                      : []
                  }
                  onChange={({ detail }) => {
                    setPerson(detail.selectedOption);
                    const next = Array.isArray(people)
                      ? people.find((item) => item.userId === detail.selectedOption.value)
                      : undefined;
                    setRole(next?.roles[0]);
                  }}
                />
              </FormField>
              {chosen ? (
                <FormField label="Role">
                  <RadioGroup
                    value={role ?? null}
                    onChange={({ detail }) => setRole(detail.value as Role)}
                    items={chosen.roles.map((item) => ({ value: item, label: roleLabel(item) }))}
                  />
                </FormField>
              ) : null}
            </SpaceBetween>
          </Container>
        </Form>
      </form>
    </Frame>
  );
}

export default function SignIn(props: Props) {
  return props.config.auth.mode === 'cognito' ? <CognitoSignIn {...props} /> : <DevSignIn {...props} />;
}
