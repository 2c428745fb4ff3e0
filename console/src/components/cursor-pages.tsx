import Pagination from '@cloudscape-design/components/pagination';
import { useEffect, useState } from 'react';
import type { ApiResult } from '../api.ts';
import { pageLabels } from '../shell.tsx';
import { type Loadable, useLoad } from './use-api.ts';

/**
 * A table's pages read through the API's cursor (the changes and the partner directory): page i starts at the
 * cursor page i − 1 ended with, the first at none, and a new filter starts again at page 1. Pages already seen
 * keep their cursors, so going back reads the same page again; the last known page is open-ended while the API
 * says there is more.
 */
export function useCursorPages<T extends { cursor?: string | undefined }>(
  filters: Record<string, string>,
  pageSize: number,
  load: (query: URLSearchParams) => Promise<ApiResult<T>>,
  /** Anything else that should read the page again (e.g. the virtual clock moving). */
  reloadKey = '',
): { page: Loadable<T>; pagination: React.ReactNode } {
  const filterKey = new URLSearchParams(filters).toString();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  useEffect(() => {
    setCursors([undefined]);
    setPageIndex(0);
  }, [filterKey]);
  const cursor = cursors[pageIndex];
  const query = new URLSearchParams({ ...filters, limit: String(pageSize), ...(cursor ? { cursor } : {}) });
  const [page] = useLoad(() => load(query), `${query.toString()}#${reloadKey}`);
  useEffect(() => {
    if (page.state === 'ready' && page.data.cursor && cursors.length === pageIndex + 1) {
      setCursors((previous) => [...previous, page.data.cursor]);
    }
  }, [page, cursors.length, pageIndex]);
  const pagination = (
    <Pagination
      currentPageIndex={pageIndex + 1}
      pagesCount={cursors.length}
      openEnd={page.state === 'ready' && page.data.cursor !== undefined}
      onChange={({ detail }) => setPageIndex(detail.currentPageIndex - 1)}
      ariaLabels={pageLabels}
    />
  );
  return { page, pagination };
}
