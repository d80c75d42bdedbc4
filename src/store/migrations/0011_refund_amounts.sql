-- A refund by amount is a share of what the customer paid, so an order keeps
-- its shipping and tax: with the items less the discount, they make its total.
alter table orders add column shipping_minor bigint not null default 0;
alter table orders add column tax_minor bigint not null default 0;

-- Orders stored before this kept the charges only in the event as sent.
update orders o
set shipping_minor = coalesce((e.payload ->> 'shipping')::bigint, 0),
  tax_minor = coalesce((e.payload ->> 'tax')::bigint, 0)
from events e
where e.program_id = o.program_id and e.event_id = o.order_id and e.type = 'order'
  and (e.payload ->> 'shipping' is not null or e.payload ->> 'tax' is not null);

-- A refund by amount: what it asked of the order's total (null for a refund
-- of units or of everything left), and, once applied, what it took (less
-- than asked when it waited for its order and earlier refunds took some).
alter table refunds add column amount_minor bigint;
alter table refunds add column applied_amount_minor bigint not null default 0;
