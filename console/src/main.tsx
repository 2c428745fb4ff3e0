import '@cloudscape-design/global-styles/index.css';
import { lazy, StrictMode, Suspense, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import type { ConsoleConfig } from '../../functions/config/console-config.ts';
import { consoleCallbackPath, consoleSignedOutPath } from '../../functions/config/console-config.ts';
import { loadConfig } from './config.ts';
import { clearSession, cognitoUserManager, type Session, storedSession } from './session.ts';

// The first screen loads only what it shows: sign-in alone, or the console's shell and one page.
const SignIn = lazy(() => import('./pages/sign-in.tsx'));
const AuthCallback = lazy(() => import('./pages/auth-callback.tsx'));
const SignedIn = lazy(() => import('./signed-in.tsx'));

/** Plain on purpose: shown before any of Cloudscape's code has arrived. */
function Loading() {
  return (
    <p role="status" style={{ fontFamily: 'system-ui, sans-serif', textAlign: 'center', padding: '3rem' }}>
      Loading…
    </p>
  );
}

function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => storedSession());
  const signOut = useCallback(() => {
    clearSession();
    setSession(undefined);
    if (config.auth.mode === 'cognito')
      void cognitoUserManager(config.auth).then((manager) => manager.signoutRedirect());
  }, [config]);
  useEffect(() => {
    if (!session) return;
    // Sign out when the token expires, rather than at the next refused call.
    const timer = setTimeout(signOut, Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);
  if (session) {
    return (
      <Suspense fallback={<Loading />}>
        <SignedIn config={config} session={session} signOut={signOut} />
      </Suspense>
    );
  }
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
