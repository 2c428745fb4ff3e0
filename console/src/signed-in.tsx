import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import type { ConsoleConfig } from '../../functions/config/console-config.ts';
import { consoleCallbackPath } from '../../functions/config/console-config.ts';
import { createApiClient } from './api.ts';
import { Loading } from './components/states.tsx';
import { Console, type ConsoleContext } from './context.ts';
import type { Session } from './session.ts';
import { Shell } from './shell.tsx';

// Each page is its own chunk: the first screen loads only what it shows.
const Inbox = lazy(() => import('./pages/inbox.tsx'));
const Changes = lazy(() => import('./pages/changes.tsx'));
const ChangeDetail = lazy(() => import('./pages/change-detail.tsx'));
const SubmitChange = lazy(() => import('./pages/submit-change.tsx'));
const Partners = lazy(() => import('./pages/partners.tsx'));
const PartnerDetail = lazy(() => import('./pages/partner-detail.tsx'));
const PartnerEdit = lazy(() => import('./pages/partner-edit.tsx'));
const PartnerNew = lazy(() => import('./pages/partner-new.tsx'));
const PartnerImport = lazy(() => import('./pages/partner-import.tsx'));
const PartnerTrust = lazy(() => import('./pages/partner-trust.tsx'));
const TrustPortfolio = lazy(() => import('./pages/trust-portfolio.tsx'));
const PolicyChanges = lazy(() => import('./pages/policy-changes.tsx'));
const PolicyChangeDetail = lazy(() => import('./pages/policy-change-detail.tsx'));
const Audit = lazy(() => import('./pages/audit.tsx'));
const NotFound = lazy(() => import('./pages/not-found.tsx'));

export default function SignedIn({
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
            <Route path="/policy-changes" element={<PolicyChanges />} />
            <Route path="/policy-changes/:policyChangeId" element={<PolicyChangeDetail />} />
            <Route path="/partners" element={<Partners />} />
            <Route path="/partners/:partnerId" element={<PartnerDetail />} />
            <Route path="/partners/:partnerId/edit" element={<PartnerEdit />} />
            <Route path="/partners/:partnerId/trust" element={<PartnerTrust />} />
            <Route path="/trust" element={<TrustPortfolio />} />
            <Route path="/audit" element={<Audit />} />
            {/* Not under /partners/: "new" and "import" are partner ids the directory accepts. */}
            <Route path="/add-partner" element={<PartnerNew />} />
            <Route path="/import-partners" element={<PartnerImport />} />
            <Route path={consoleCallbackPath} element={<Navigate to="/inbox" replace />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </Console.Provider>
  );
}
