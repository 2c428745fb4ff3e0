import Select, { type SelectProps } from '@cloudscape-design/components/select';
import { useEffect, useRef, useState } from 'react';
import { useConsole } from '../context.ts';
import type { PartnerDetail, PartnerPage, PartnerSummary } from '../types.ts';
import { percent, stageLabel } from './format.tsx';

/** Partners offered per search: the directory may hold thousands, the picker asks the API (q=) for a few. */
const OPTIONS_PER_SEARCH = 20;

/**
 * A partner picker over the directory's search (GET /api/partners?q=): typing asks the API, never a list of
 * every partner held in the page. The chosen partner's name is read once when only its id is known (from the
 * address, say).
 */
export function PartnerSelect({
  value,
  onChange,
  placeholder = 'Choose a partner',
  anyLabel,
  onBlur,
}: {
  value: string;
  onChange(partnerId: string): void;
  placeholder?: string;
  /** Offer "any partner" (a filter) under this label: choosing it gives ''. */
  anyLabel?: string;
  onBlur?(): void;
}) {
  const { api } = useConsole();
  const [options, setOptions] = useState<PartnerSummary[]>([]);
  const [status, setStatus] = useState<SelectProps['statusType']>('pending');
  const [names, setNames] = useState<Record<string, string>>({});
  const latest = useRef(0);
  async function search(text: string) {
    const round = ++latest.current;
    setStatus('loading');
    const query = new URLSearchParams({
      limit: String(OPTIONS_PER_SEARCH),
      ...(text.trim() ? { q: text.trim() } : {}),
    });
    const result = await api.get<PartnerPage>(`/api/partners?${query.toString()}`);
    if (round !== latest.current) return;
    if (!result.ok) {
      setStatus('error');
      return;
    }
    setOptions(result.data.partners);
    setNames((previous) => ({
      ...previous,
      ...Object.fromEntries(result.data.partners.map((item) => [item.partnerId, item.name])),
    }));
    setStatus('finished');
  }
  useEffect(() => {
    if (!value || names[value]) return;
    let live = true;
    void api.get<PartnerDetail>(`/api/partners/${encodeURIComponent(value)}`).then((result) => {
      if (live && result.ok) setNames((previous) => ({ ...previous, [value]: result.data.name }));
    });
    return () => {
      live = false;
    };
  }, [api, value, names]);
  const choices: SelectProps.Option[] = [
    ...(anyLabel ? [{ value: '', label: anyLabel }] : []),
    ...options.map((item) => ({
      value: item.partnerId,
      label: item.name,
      description: `${stageLabel(item.stage)} · ${percent(item.currentRatePct)}`,
    })),
  ];
  return (
    <Select
      selectedOption={value ? { value, label: names[value] ?? value } : null}
      placeholder={placeholder}
      filteringType="manual"
      filteringPlaceholder="Search by name or id"
      filteringAriaLabel="Search partners"
      options={choices}
      statusType={status}
      loadingText="Searching partners"
      errorText="The partners could not be searched."
      recoveryText="Try again"
      empty="No partner matches"
      onLoadItems={({ detail }) => void search(detail.filteringText)}
      onChange={({ detail }) => onChange(detail.selectedOption.value ?? '')}
      onBlur={onBlur}
    />
  );
}
