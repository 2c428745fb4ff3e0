import Box from '@cloudscape-design/components/box';
import LineChart, { type LineChartProps } from '@cloudscape-design/components/line-chart';
import type { PartnerTrust } from '../types.ts';

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
/** More markers than this crowd the chart: the most recent ones are drawn, the ledger beside lists all. */
export const MAX_TRUST_MARKERS = 12;

/**
 * The score over time as Cloudscape's LineChart (a time axis, the score 0–100) with one vertical marker (a
 * threshold series at that instant) per moment an event moved it, titled by the rules that did. Cloudscape's
 * chart gives the keyboard navigation, the popover and the legend an SVG of our own would have to rebuild;
 * its legend names each marker, and the ledger table beside it is the accessible reading of the same data.
 */
export function TrustChart({ trust }: { trust: PartnerTrust }) {
  const ruleOf = new Map(trust.contributions.map((item) => [item.eventId, item.explanation]));
  const markers = trust.history.filter((point) => point.eventIds.length > 0).slice(-MAX_TRUST_MARKERS);
  const series: LineChartProps<Date>['series'] = [
    {
      type: 'line',
      title: `Trust score (rules ${trust.rulesVersion})`,
      data: trust.history.map((point) => ({ x: new Date(point.at), y: point.score })),
      valueFormatter: (value) => value.toFixed(1),
    },
    ...markers.map((point) => ({
      type: 'threshold' as const,
      x: new Date(point.at),
      title: `${dayFormat.format(new Date(point.at))}: ${point.eventIds.map((id) => ruleOf.get(id) ?? id).join('; ')}`,
    })),
  ];
  const times = trust.history.map((point) => Date.parse(point.at));
  return (
    <div data-testid="trust-chart" data-markers={markers.length}>
      <LineChart
        series={series}
        xScaleType="time"
        xDomain={times.length > 0 ? [new Date(Math.min(...times)), new Date(Math.max(...times))] : undefined}
        yDomain={[0, 100]}
        xTitle="Date"
        yTitle="Score"
        height={260}
        ariaLabel={`Trust score of ${trust.name} over time, with a marker for each event that moved it`}
        xTickFormatter={(value) => dayFormat.format(value)}
        legendTitle="Score and events"
        hideFilter
        empty={
          <Box textAlign="center" color="inherit">
            No trust events yet: the score is the starting score.
          </Box>
        }
      />
    </div>
  );
}
