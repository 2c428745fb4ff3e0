import Alert from '@cloudscape-design/components/alert';
import AppLayout from '@cloudscape-design/components/app-layout-toolbar';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { type ReactNode, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { Instant, roleLabel } from './components/format.tsx';
import { useCan, useConsole } from './context.ts';

/** The local clock banner: the virtual time everything is judged at, and a way to move it on. */
function ClockBanner() {
  const { config, clock, refreshClock } = useConsole();
  const [moving, setMoving] = useState(false);
  if (config.environment !== 'local') return null;
  async function advance(days: number) {
    setMoving(true);
    try {
      await fetch('/dev/clock/advance', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ days }),
      });
    } finally {
      setMoving(false);
      refreshClock();
    }
  }
  return (
    <Alert
      type="info"
      header="Local mode"
      action={
        <ButtonDropdown
          loading={moving}
          items={[
            { id: '1', text: '1 day' },
            { id: '7', text: '7 days' },
            { id: '30', text: '30 days' },
          ]}
          onItemClick={({ detail }) => advance(Number(detail.id))}
        >
          Advance the clock
        </ButtonDropdown>
      }
    >
      <span data-testid="virtual-clock">
        Virtual clock: <Instant iso={clock?.toISOString()} />
      </span>
      . Deadlines, reminders and apply dates follow this clock, not the wall clock.
    </Alert>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { session, signOut } = useConsole();
  const navigate = useNavigate();
  const location = useLocation();
  const [navigationOpen, setNavigationOpen] = useState(true);
  const canSubmit = useCan('finance');
  const canWriteDirectory = useCan('partner-manager');
  // Finance's work is one partner's change; the program's policy changes are for these roles.
  const canFollowPolicy = useCan('partner-manager', 'approver', 'compliance');
  // The whole audit trail is compliance's (the API lets finance and approvers read only their own changes').
  const canAudit = useCan('compliance');
  const items: SideNavigationProps.Item[] = [
    { type: 'link', text: 'Inbox', href: '/inbox' },
    { type: 'link', text: 'Changes', href: '/changes' },
    ...(canSubmit ? [{ type: 'link' as const, text: 'Submit a change', href: '/changes/new' }] : []),
    ...(canFollowPolicy ? [{ type: 'link' as const, text: 'Policy changes', href: '/policy-changes' }] : []),
    { type: 'link', text: 'Partners', href: '/partners' },
    { type: 'link', text: 'Trust portfolio', href: '/trust' },
    ...(canAudit ? [{ type: 'link' as const, text: 'Audit trail', href: '/audit' }] : []),
    ...(canWriteDirectory
      ? [
          { type: 'link' as const, text: 'Add partner', href: '/add-partner' },
          { type: 'link' as const, text: 'Import partners', href: '/import-partners' },
        ]
      : []),
  ];
  const follow = (event: CustomEvent<{ href: string; external?: boolean }>) => {
    if (event.detail.external) return;
    event.preventDefault();
    navigate(event.detail.href);
  };
  const active = items
    .filter((item): item is SideNavigationProps.Link => item.type === 'link')
    .map((item) => item.href)
    .filter((href) => location.pathname === href || location.pathname.startsWith(`${href}/`))
    .sort((a, b) => b.length - a.length)[0];
  return (
    <>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{
            href: '/inbox',
            title: 'Partner Change Notice',
            onFollow: (event) => {
              event.preventDefault();
              navigate('/inbox');
            },
          }}
          i18nStrings={{ overflowMenuTriggerText: 'More', overflowMenuTitleText: 'All' }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: session.userId,
              description: session.roles.map(roleLabel).join(', '),
              iconName: 'user-profile',
              items: [{ id: 'sign-out', text: 'Sign out' }],
              onItemClick: ({ detail }) => {
                if (detail.id === 'sign-out') signOut();
              },
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        ariaLabels={{
          navigation: 'Side navigation',
          navigationClose: 'Close side navigation',
          navigationToggle: 'Open side navigation',
          notifications: 'Notifications',
        }}
        navigationOpen={navigationOpen}
        onNavigationChange={({ detail }) => setNavigationOpen(detail.open)}
        navigation={
          <SideNavigation
            header={{ href: '/inbox', text: 'Console' }}
            activeHref={active ?? location.pathname}
            items={items}
            onFollow={follow}
          />
        }
        notifications={<ClockBanner />}
        toolsHide
        content={children}
      />
    </>
  );
}

/** A small helper for pages: a link that navigates inside the app. */
export function useFollow(): (event: CustomEvent<{ href?: string; external?: boolean }>) => void {
  const navigate = useNavigate();
  return (event) => {
    if (event.detail.external || !event.detail.href) return;
    event.preventDefault();
    navigate(event.detail.href);
  };
}

/** The pagination buttons' names, the same on every table. */
export const pageLabels = {
  nextPageLabel: 'Next page',
  previousPageLabel: 'Previous page',
  pageLabel: (page: number) => `Page ${page}`,
};
