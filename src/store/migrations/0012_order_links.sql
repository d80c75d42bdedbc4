-- Other ids a store refunds an order by: Stripe names a subscription
-- invoice's refund by the payment intent that paid it, and only a separate
-- event ties the two. A refund naming an alias refunds the linked order.
create table order_links (
  program_id text not null,
  alias text not null,
  order_id text not null,
  created_at timestamptz not null,
  primary key (program_id, alias)
);
