import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Spinner from '@cloudscape-design/components/spinner';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { ConsoleConfig } from '../../../functions/config/console-config.ts';
import { cognitoUserManager, type Session, storeSession } from '../session.ts';

/** The hosted UI's way back: exchange the code (with the PKCE verifier) for tokens, keep the access token. */
export default function AuthCallback({
  config,
  onSignedIn,
}: {
  config: ConsoleConfig;
  onSignedIn(session: Session): void;
}) {
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (config.auth.mode !== 'cognito') {
      navigate('/', { replace: true });
      return;
    }
    cognitoUserManager(config.auth)
      .then((manager) => manager.signinRedirectCallback())
      .then((user) => {
        const session = storeSession(user.access_token);
        if (!session) throw new Error('The token from sign-in could not be read.');
        onSignedIn(session);
        navigate('/inbox', { replace: true });
      })
      .catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)));
  }, [config, navigate, onSignedIn]);
  return (
    <Box padding="xxl">
      {error ? (
        <Alert type="error" header="Sign-in failed">
          {error} <a href="/">Try again</a>.
        </Alert>
      ) : (
        <>
          <Spinner /> Signing you in…
        </>
      )}
    </Box>
  );
}
