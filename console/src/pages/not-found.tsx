import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import { useFollow } from '../shell.tsx';

export default function NotFound() {
  const follow = useFollow();
  return (
    <Box padding="l">
      <Header variant="h1">Page not found</Header>
      <p>
        There is no page at this address. Go to the{' '}
        <Link href="/inbox" onFollow={follow}>
          inbox
        </Link>
        .
      </p>
    </Box>
  );
}
