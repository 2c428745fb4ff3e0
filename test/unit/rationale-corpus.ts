/**
 * Rationales as submitters write them, good and bad, kept here so the rule (functions/domain/rationale.ts) is
 * checked against real-sounding text, not only against its own patterns. A good one says something specific to
 * its change; a bad one could be pasted under any change.
 */
export const GOOD_RATIONALES: readonly string[] = [
  // Commission cuts
  'Our hardware supplier raised list prices by 9% this quarter, which squeezes the margin we share with you. We are moving budget into the services attach bonus, where your margin grows, instead of the resale rate.',
  'Freight costs on the edge appliance line have risen 14% since January, and we can no longer absorb them. The resale commission on edge appliances goes from 12% to 10%; storage and services are unchanged.',
  'A court ruling in March requires us to collect a new 3% levy on every storage subscription sold in the EU. We are passing half of it through by reducing the storage commission by 1.5 points for EU deals.',
  'Return rates on the refurbished hardware line reached 11% last year, so the line loses money at the current commission. Deals you register before the effective date keep 15%; after it the rate is 12%.',
  'Our networking vendor ended the volume rebate we relied on in Q2. Without it the margin on switches fell from 22% to 13%, so the switch commission drops from 10% to 8% while your services rate stays at 18%.',
  'The cloud marketplace now charges us a 20% listing fee on every transacted subscription. To keep marketplace prices level for your customers, marketplace deals earn 9% instead of 11% from the effective date.',
  'Chargebacks on monthly licences doubled in the last two quarters. From the effective date, commission on monthly licences is paid after the second invoice instead of the first; annual licences are not affected.',
  'We pay royalties of 6% to the codec licensor on every media server we sell, and that licence renews at a higher fee in 2027. The media server rate goes from 14% to 12%; bundles with support keep 14%.',
  'The security appliance is being discontinued at the end of Q1, and the last units are sold at a 30% discount. Commission on the end-of-life units is 5%; the successor model carries the full 12%.',
  'Currency swings cost us 7% of our margin on GBP-priced deals this year. UK partners will see the commission on GBP deals set at 10.5% instead of 12%, while EUR and USD deals keep their rates.',
  // Raises
  'Attach rates for managed services rose to 40% among partners who bundle them, and those customers renew twice as often. We are raising the services commission from 15% to 18% to reward that work.',
  'The new storage bundle launched in October sells at a 25% higher margin than the old one. Your commission on the bundle rises from 12% to 14%, so moving customers to it earns you more on every deal.',
  'Because renewals handled by partners churn 8% less than direct renewals, we are raising the renewal commission from 5% to 7% for every renewal you close before its expiry date.',
  // Program policy changes
  'Deal registration approvals take 9 days on average because half the requests lack an end customer. From the effective date a registration needs the customer contact, and you get an answer within 2 working days.',
  'Our MDF budget for 2027 is 20% smaller after the product line split. Partners who submitted a plan in Q4 keep their allocation; new requests are matched at 50% instead of 100%.',
  'The Gold tier threshold rises from $500k to $650k of annual bookings because list prices went up 18% over two years. Your tier is judged on the new threshold from the next review, not retroactively.',
  'Auditors found 40 registered deals last year with no matching customer order, so registrations now expire after 90 days without an opportunity update. Your open registrations are extended by 30 days once.',
  'We are retiring the spiff on entry-level firewalls in Q3: customers now buy them directly through the marketplace at a price we cannot match. The spiff budget moves to the enterprise firewall line, where your deals are larger.',
  'The co-op fund now reimburses events only with a lead list attached, because 60% of claims last year had no measurable pipeline. Claims you filed before the effective date are paid under the old rules.',
  'The certification exam for the cloud specialisation moves to the new platform in June; the old exam is retired because it no longer covers the backup product. Your current certificates stay valid for 12 months.',
  'Discount approvals above 25% now need a competitor quote, since unapproved discounting cost us 4 points of margin in the EMEA region. Quotes you submitted before the date are honoured.',
  // Relationship changes
  'Dana moves to the Nordic territory in January to open our new Oslo office. Luis, who has covered the enhanced tier in your region for 3 years, becomes your alliance manager and will call you before the handover.',
  'Your alliance manager changes because your account grew past $2m in bookings and moves to our strategic accounts team, which gives you a dedicated solutions engineer as well as Rita as your new contact.',
  'After the merger with Tailwind in Q2, your contracts move from the Tailwind partner agreement to ours. Your rates and your registered deals carry over unchanged; only the payment date moves from the 5th to the 15th.',
  'We close the Lisbon support desk in March because ticket volumes there fell 70% after the portal launch. Your support cases will be handled by the Madrid team, in Portuguese, with the same 4-hour response time.',
  'The rebate on storage expansion shelves ends because the supplier stopped selling them to us below list price. Shelves you order before the date keep the 6% rebate; after it, expansion ships in the bundle instead.',
  'Since the per-seat price of the collaboration suite fell 35% after the vendor changed its licensing, a flat 12% commission would halve your earnings per deal. We are switching to $4 per seat so your earnings stay level.',
  'Payment terms move from 30 to 45 days because our own card processor now settles in 40 days. Commissions you earned before the effective date are still paid within 30 days.',
  'The Partnership tier review now includes a joint business plan, because the 3 partners who had one grew 2.5 times faster than the others. Your next review in Q2 will ask for the plan; we will draft it with you.',
  'Sales of the legacy backup licences dropped 50% after the new platform launched, and support for them ends in 2027. Commission on new legacy licences goes to 5%, while migrations you sell to the new platform earn 15%.',
];

export const BAD_RATIONALES: readonly string[] = [
  'Due to changing market conditions and strategic realignment, we are adjusting commission rates to better reflect our business needs going forward.',
  'As part of our ongoing efforts to optimize the partner program, we are making adjustments to commission rates to ensure long-term success for everyone.',
  'In order to remain competitive in an evolving landscape, we have decided to update our partner program and realign incentives with our strategic priorities.',
  'This change reflects our commitment to excellence and our desire to better align the partner ecosystem with our value proposition going forward.',
  'Following a strategic review of our go-to-market model, we are streamlining commission structures to drive efficiencies and synergies across the business.',
  'We continuously evaluate our programs to ensure they remain aligned with our goals. After careful consideration, we are adjusting rates effective on the date below.',
  'Our business priorities have evolved, and we believe this adjustment positions both of us for sustainable growth in the current market environment.',
  'We value our partners and want to ensure mutual success. This change is part of a holistic transformation of how we work with the partner ecosystem.',
  'After a periodic review of market dynamics and industry trends, management has decided to revise the commission rates that apply to our valued partners.',
  'Several factors have led us to this decision, which we believe is in line with our strategic direction and will help us stay competitive going forward.',
  'This commission update is a business decision taken in line with company policy and with our strategic objectives for the coming period, as previously communicated.',
  'The new rate better reflects the value delivered through the partnership and supports the continued evolution of our program in a dynamic market.',
  'To better align with our strategy and the realities of the current business environment, rates will change as described in this notice. Thank you for your understanding.',
  'We appreciate your partnership and your continued support. Please note that rates are being adjusted for the reasons discussed internally with the leadership team.',
  'Rates will change on the effective date. This is a necessary step to keep the program sustainable and consistent with best practices across our industry peers.',
  'We are adjusting commission to reflect a number of factors affecting the business this year, and we believe the new structure is fair and competitive overall.',
  'Our leadership team has reviewed the commission structure and concluded that changes are required to support the next phase of our growth and strategy.',
  'We have made the difficult decision to reduce commission rates. We know this is not easy news and we remain fully committed to a strong relationship with you.',
  'As our business evolves we must evolve the ways we reward partners, and this change is a natural step on our partnership journey together in the years ahead.',
  'Effective on the date below, the rates in this notice will apply. Further details on the reasons will be shared with you by your contact in due course.',
  'Costs have increased and we need to adjust the commission rates accordingly so that the partner program remains viable for the long term for everyone involved.',
  'This is part of a global initiative across all regions to harmonise how commission works, ensuring consistency, fairness and transparency for all our partners.',
  'We are simplifying our commission model to make it easier to understand, and the simplification means some rates go down while the structure becomes clearer.',
  'The change applies from 1 March. It was approved by the management team after a careful review of the relevant considerations and the overall situation.',
  'Partner feedback and internal analysis both pointed to the need for change, so we are updating the rates to better support our shared objectives and outcomes.',
  'In recognition of the evolving needs of the market we serve, we are refreshing our partner incentives to keep them relevant, attractive and competitive overall.',
  'Following our annual planning cycle, the commission schedule has been updated to align with the budget for next year and the targets set by the executive team.',
  'We thank you for being a partner. To continue delivering value together, we are introducing changes to commission that reflect where the business is heading.',
];
