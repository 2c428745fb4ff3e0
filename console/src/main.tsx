import '@cloudscape-design/global-styles/index.css';
import Box from '@cloudscape-design/components/box';
import Spinner from '@cloudscape-design/components/spinner';
import { lazy, StrictMode, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import type { ConsoleConfig } from '../../functions/config/console-config.ts';
import { consoleCallbackPath, consoleSignedOutPath } from '../../functions/config/console-config.ts';
import { createApiClient } from './api.ts';
import { loadConfig } from './config.ts';
import { Console, type ConsoleContext } from './context.ts';
import { clearSession, cognitoUserManager, type Session, storedSession } from './session.ts';
import { Shell } from './shell.tsx';

// Each page is its own chunk: the first screen loads only what it shows.
const SignIn = lazy(() => import('./pages/sign-in.tsx'));
const AuthCallback = lazy(() => import('./pages/auth-callback.tsx'));
const Inbox = lazy(() => import('./pages/inbox.tsx'));
const Changes = lazy(() => import('./pages/changes.tsx'));
const ChangeDetail = lazy(() => import('./pages/change-detail.tsx'));
const SubmitChange = lazy(() => import('./pages/submit-change.tsx'));
const Partners = lazy(() => import('./pages/partners.tsx'));
const PartnerDetail = lazy(() => import('./pages/partner-detail.tsx'));
const NotFound = lazy(() => import('./pages/not-found.tsx'));

function Loading() {
  return (
    <Box padding="xxl" textAlign="center">
      <Spinner size="large" /> <span>Loading…</span>
    </Box>
  );
}

function SignedIn({
  config,
  session,
  signOut,
}: {
  config: ConsoleConfig;
  session: Session;
  signOut(): void;
}) {
  const [clock, setClock] = useState<Date | undefined>();
  const [clockVersion, setClockVersion] = useState(0);
  const refreshClock = useCallback(() => {
    if (config.environment !== 'local') return;
    fetch('/dev/clock', { cache: 'no-store' })
      .then((response) => (response.ok ? response.json() : undefined))
      .then((body: { now?: string } | undefined) => {
        if (!body?.now) return;
        setClock(new Date(body.now));
        setClockVersion((n) => n + 1);
      })
      .catch(() => undefined);
  }, [config.environment]);
  useEffect(refreshClock, []);
  const api = useMemo(() => createApiClient(config.apiBaseUrl, session, signOut), [config, session, signOut]);
  const context: ConsoleContext = { config, session, api, signOut, clock, refreshClock, clockVersion };
  return (
    <Console.Provider value={context}>
      <Shell>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Navigate to="/inbox" replace />} />
            <Route path="/inbox" element={<Inbox />} />
            <Route path="/changes" element={<Changes />} />
            <Route path="/changes/new" element={<SubmitChange />} />
            <Route path="/changes/:changeId" element={<ChangeDetail />} />
            <Route path="/partners" element={<Partners />} />
            <Route path="/partners/:partnerId" element={<PartnerDetail />} />
            <Route path={consoleCallbackPath} element={<Navigate to="/inbox" replace />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </Console.Provider>
  );
}

function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => storedSession());
  const signOut = useCallback(() => {
    clearSession();
    setSession(undefined);
    if (config.auth.mode === 'cognito') void cognitoUserManager(config.auth).signoutRedirect();
  }, [config]);
  useEffect(() => {
    if (!session) return;
    // Sign out when the token expires, rather than at the next refused call.
    const timer = setTimeout(signOut, Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);
  if (session) return <SignedIn config={config} session={session} signOut={signOut} />;
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route
          path={consoleCallbackPath}
          element={<AuthCallback config={config} onSignedIn={setSession} />}
        />
        <Route
          path={consoleSignedOutPath}
          element={<SignIn config={config} onSignedIn={setSession} signedOut />}
        />
        <Route path="*" element={<SignIn config={config} onSignedIn={setSession} />} />
      </Routes>
    </Suspense>
  );
}

function StartFailure({ message }: { message: string }) {
  return (
    <main
      style={{
        fontFamily: 'system-ui, sans-serif',
        maxWidth: '40rem',
        margin: '3rem auto',
        padding: '0 1rem',
      }}
    >
      <h1>The console could not start</h1>
      <p>{message}</p>
      <p>Reload the page to try again. If it keeps failing, tell whoever runs this deployment.</p>
    </main>
  );
}

const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <BrowserRouter>
          <App config={config} />
        </BrowserRouter>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(<StartFailure message={error instanceof Error ? error.message : String(error)} />),
);
