import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Spinner from '@cloudscape-design/components/spinner';
import type { Problem } from '../api.ts';

/** What went wrong, in the API's own words, with the fields it named. */
export function ErrorState({ problem, header = 'Could not load' }: { problem: Problem; header?: string }) {
  return (
    <Alert type="error" header={header}>
      {problem.message}
      {problem.fields.length > 0 ? (
        <ul>
          {problem.fields.map((item) => (
            <li key={`${item.field}:${item.reason}`}>
              <code>{item.field}</code> {item.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/** A table with no rows: what is missing, and what would fill it. */
export function EmptyState({ title, hint }: { title: string; hint: string }) {
  return (
    <Box textAlign="center" color="inherit" padding="l">
      <b>{title}</b>
      <Box variant="p" color="inherit">
        {hint}
      </Box>
    </Box>
  );
}

export function LoadingState({ what }: { what: string }) {
  return (
    <Box padding="l" textAlign="center">
      <Spinner /> Loading {what}…
    </Box>
  );
}

/** While a page's code or data is on its way. */
export function Loading() {
  return (
    <Box padding="xxl" textAlign="center">
      <Spinner size="large" /> <span>Loading…</span>
    </Box>
  );
}
