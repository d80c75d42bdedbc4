import { z } from "zod";
import { currencyExponent, decimalToMinor } from "../domain/currency.ts";
import type { EventInput, OrderEvent } from "../domain/events.ts";
import {
  ignored,
  mapped,
  rejected,
  type Mapping,
  type ProviderAdapter,
  type SignedRequest,
  type Verification,
} from "./delivery.ts";
import { MAX_TEXT, pathText, usableEmail, usableText, verifyBase64Hmac } from "./fields.ts";

/**
 * Shopify's webhooks (Admin REST format, any recent API version): an order
 * from `orders/create` or `orders/paid`, a refund by line items from
 * `refunds/create`, and a whole refund from `orders/cancelled`.
 *
 * An order maps only from fields that stay the same between its topics
 * (never `financial_status`, `updated_at` or the `current_*` amounts), so the
 * second topic to arrive is the same event with the same content: a duplicate.
 */

// Shopify's ids are integers; a few tools relay them as strings.
const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]);
const decimal = z.string();
const moneySet = z.looseObject({ shop_money: z.looseObject({ amount: decimal }) });
const allocation = z.looseObject({ amount: decimal, amount_set: moneySet.nullish() });
const taxLine = z.looseObject({ price: decimal, price_set: moneySet.nullish() });

/** What names a line: its SKU, else its variant, product, or the line itself. */
const lineNaming = {
  id: shopifyId.nullish(),
  sku: z.string().nullish(),
  variant_id: shopifyId.nullish(),
  product_id: shopifyId.nullish(),
  gift_card: z.boolean().nullish(),
};

const lineNamingSchema = z.looseObject(lineNaming);

const lineItemSchema = z.looseObject({
  ...lineNaming,
  id: shopifyId,
  quantity: z.number().int().positive(),
  price: decimal,
  price_set: moneySet.nullish(),
  discount_allocations: z.array(allocation).nullish(),
  tax_lines: z.array(taxLine).nullish(),
});

const shippingLineSchema = z.looseObject({
  price: decimal,
  price_set: moneySet.nullish(),
  discount_allocations: z.array(allocation).nullish(),
});

const orderSchema = z.looseObject({
  id: shopifyId,
  test: z.boolean().nullish(),
  currency: z.string(),
  created_at: z.string(),
  cancelled_at: z.string().nullish(),
  taxes_included: z.boolean().nullish(),
  line_items: z.array(lineItemSchema),
  shipping_lines: z.array(shippingLineSchema).nullish(),
  total_shipping_price_set: moneySet.nullish(),
  total_discounts: decimal.nullish(),
  total_discounts_set: moneySet.nullish(),
  total_tax: decimal.nullish(),
  total_tax_set: moneySet.nullish(),
  discount_codes: z.array(z.looseObject({ code: z.string().nullish() })).nullish(),
  note_attributes: z.array(z.looseObject({ name: z.unknown(), value: z.unknown() })).nullish(),
  customer: z.looseObject({ id: shopifyId.nullish(), email: z.string().nullish() }).nullish(),
  email: z.string().nullish(),
  contact_email: z.string().nullish(),
  browser_ip: z.string().nullish(),
  client_details: z.looseObject({ browser_ip: z.string().nullish() }).nullish(),
});

const refundSchema = z.looseObject({
  id: shopifyId,
  order_id: shopifyId,
  created_at: z.string(),
  refund_line_items: z
    .array(
      z.looseObject({
        quantity: z.number().int().nonnegative(),
        line_item: lineNamingSchema,
      }),
    )
    .nullish(),
  transactions: z.array(z.looseObject({ test: z.boolean().nullish() })).nullish(),
});

type ShopifyOrder = z.infer<typeof orderSchema>;
type ShopifyLine = z.infer<typeof lineNamingSchema>;
type Attribution = Partial<Pick<OrderEvent, "customer" | "code" | "visitorId" | "ip">>;

const SIGNATURE_HEADER = "x-shopify-hmac-sha256";

export const shopify: ProviderAdapter = {
  provider: "shopify",
  verify: verifyShopify,
  topicOf: (request) => request.headers["x-shopify-topic"] ?? "",
  deliveryIdOf: (request) =>
    request.headers["x-shopify-event-id"] || request.headers["x-shopify-webhook-id"] || null,
  shopOf: (request) => request.headers["x-shopify-shop-domain"] || null,
  map: mapShopify,
};

/** Shopify signs the raw body: base64 of its HMAC-SHA256 with the app's or the shop's webhook secret. */
function verifyShopify(request: SignedRequest, secret: string): Verification {
  return verifyBase64Hmac(request, secret, {
    header: SIGNATURE_HEADER,
    missing:
      "no X-Shopify-Hmac-Sha256 header: Shopify signs every webhook it sends, so this request did not come from Shopify",
    mismatch:
      "the X-Shopify-Hmac-Sha256 signature does not match the body: the secret is not the shop's webhook signing secret, or the body was changed on the way",
  });
}

function mapShopify(topic: string, body: unknown): Mapping {
  switch (topic) {
    case "orders/create":
    case "orders/paid":
      return withParsed(orderSchema, body, mapOrder);
    case "orders/cancelled":
      return withParsed(orderSchema, body, mapCancellation);
    case "refunds/create":
      return withParsed(refundSchema, body, mapRefund);
    default:
      return ignored(`topic ${topic === "" ? "(none)" : topic} is not handled`);
  }
}

function withParsed<S extends z.ZodType>(
  schema: S,
  body: unknown,
  map: (parsed: z.infer<S>) => Mapping,
): Mapping {
  const parsed = schema.safeParse(body);
  if (parsed.success) return map(parsed.data);
  const issue = parsed.error.issues[0];
  return rejected(
    issue ? `${pathText(issue.path)}: ${issue.message}` : "the body is not a Shopify webhook",
  );
}

function mapOrder(order: ShopifyOrder): Mapping {
  if (order.test) return ignored("test order");
  if (order.line_items.length === 0) return rejected("the order has no line items");
  const currency = order.currency.toUpperCase();
  const exponent = currencyExponent(currency);
  if (exponent === null) return rejected(`unknown currency "${order.currency}"`);
  const occurredAt = instantOf(order.created_at, "created_at");
  if (!occurredAt.ok) return rejected(occurredAt.reason);

  // Gift cards are money the customer will spend later, not a sale.
  const lines = order.line_items
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => !line.gift_card);
  if (lines.length === 0)
    return ignored("the order holds only gift cards, which are money to spend, not a sale");

  const money = amountReader(exponent);
  const items = lines.map(({ line, index }) => ({
    sku: skuOf(line),
    quantity: line.quantity,
    unitAmount: money.read(line.price, line.price_set, `line_items[${index}].price`),
  }));

  // Line allocations are item discounts only; Shopify allocates a shipping
  // discount to its shipping line, and total_discounts counts both.
  const allocated = lines.some(({ line }) => line.discount_allocations != null);
  const itemDiscount = allocated
    ? sum(
        lines.flatMap(({ line, index }) =>
          (line.discount_allocations ?? []).map((a, i) =>
            money.read(
              a.amount,
              a.amount_set,
              `line_items[${index}].discount_allocations[${i}].amount`,
            ),
          ),
        ),
      )
    : money.read(order.total_discounts, order.total_discounts_set, "total_discounts");

  const shipping = shippingOf(order, money);

  // With tax-inclusive prices the items carry their tax: it is taken off as
  // discount so that it earns nothing, and charged back as tax, which keeps
  // the total what the customer paid. Shipping keeps its own tax inside it.
  const lineTax = order.taxes_included
    ? sum(
        lines.flatMap(({ line, index }) =>
          (line.tax_lines ?? []).map((t, i) =>
            money.read(t.price, t.price_set, `line_items[${index}].tax_lines[${i}].price`),
          ),
        ),
      )
    : 0;
  const tax = order.taxes_included
    ? lineTax
    : money.read(order.total_tax, order.total_tax_set, "total_tax");

  const problem = money.problem();
  if (problem !== null) return rejected(problem);
  if (shipping.ok === false) return rejected(shipping.reason);

  const event: EventInput = {
    type: "order",
    id: orderEventId(order.id),
    occurredAt: occurredAt.iso,
    ...attributionOf(order),
    items,
    discount: itemDiscount + lineTax,
    shipping: shipping.minor,
    tax,
    currency,
  };
  return mapped([event]);
}

/** A cancelled order is refunded whole, when the order itself would have counted. */
function mapCancellation(order: ShopifyOrder): Mapping {
  const asOrder = mapOrder(order);
  if (asOrder.kind !== "events") return asOrder;
  if (order.cancelled_at == null) return rejected("cancelled_at is missing from a cancelled order");
  const occurredAt = instantOf(order.cancelled_at, "cancelled_at");
  if (!occurredAt.ok) return rejected(occurredAt.reason);
  const orderId = orderEventId(order.id);
  return mapped([
    { type: "refund", id: `${orderId}:cancelled`, orderId, occurredAt: occurredAt.iso },
  ]);
}

function mapRefund(refund: z.infer<typeof refundSchema>): Mapping {
  const transactions = refund.transactions ?? [];
  if (transactions.length > 0 && transactions.every((t) => t.test === true))
    return ignored("test refund");
  const lines = (refund.refund_line_items ?? []).filter((line) => line.quantity > 0);
  if (lines.length === 0)
    return ignored("refunds no line items: shipping or an adjustment earns no commission");
  const sold = lines.filter((line) => !line.line_item.gift_card);
  if (sold.length === 0) return ignored("refunds only gift cards, which earn no commission");
  const occurredAt = instantOf(refund.created_at, "created_at");
  if (!occurredAt.ok) return rejected(occurredAt.reason);
  return mapped([
    {
      type: "refund",
      id: `shopify:refund:${refund.id}`,
      orderId: orderEventId(refund.order_id),
      occurredAt: occurredAt.iso,
      items: sold.map((line) => ({ sku: skuOf(line.line_item), quantity: line.quantity })),
    },
  ]);
}

const orderEventId = (id: string | number): string => `shopify:order:${id}`;

/**
 * The same rule names a line in an order and in its refunds, so a refund
 * finds the units it returns. Past 200 characters a SKU is cut the same way
 * in both.
 */
function skuOf(line: ShopifyLine): string {
  const named =
    line.sku != null && line.sku.trim() !== ""
      ? line.sku
      : line.variant_id != null
        ? `variant:${line.variant_id}`
        : line.product_id != null
          ? `product:${line.product_id}`
          : `line:${line.id ?? "unknown"}`;
  return named.slice(0, MAX_TEXT);
}

/** Shipping lines less their own discounts, or the order's shipping total when it lists none. */
function shippingOf(
  order: ShopifyOrder,
  money: AmountReader,
): { ok: true; minor: number } | { ok: false; reason: string } {
  if (order.shipping_lines == null)
    return {
      ok: true,
      minor:
        order.total_shipping_price_set == null
          ? 0
          : money.read(null, order.total_shipping_price_set, "total_shipping_price"),
    };
  let total = 0;
  for (const [index, line] of order.shipping_lines.entries()) {
    const price = money.read(line.price, line.price_set, `shipping_lines[${index}].price`);
    const discount = sum(
      (line.discount_allocations ?? []).map((a, i) =>
        money.read(
          a.amount,
          a.amount_set,
          `shipping_lines[${index}].discount_allocations[${i}].amount`,
        ),
      ),
    );
    if (discount > price)
      return { ok: false, reason: `shipping_lines[${index}] is discounted by more than its price` };
    total += price - discount;
  }
  return { ok: true, minor: total };
}

/** The customer, code, visitor and IP an order is attributed by, each only when usable. */
function attributionOf(order: ShopifyOrder): Attribution {
  const fields: Attribution = {};
  const customerId = order.customer?.id == null ? undefined : String(order.customer.id);
  const email = [order.email, order.customer?.email, order.contact_email]
    .map(usableEmail)
    .find((e) => e !== undefined);
  if (customerId !== undefined || email !== undefined)
    fields.customer = {
      ...(customerId === undefined ? {} : { id: customerId }),
      ...(email === undefined ? {} : { email }),
    };
  const code = usableText(order.discount_codes?.[0]?.code);
  if (code !== undefined) fields.code = code;
  // The storefront script writes the visitor id to a cart attribute, which the order carries as a note attribute.
  const visitor = order.note_attributes?.find((a) => a.name === "laurel_vid")?.value;
  const visitorId = typeof visitor === "string" ? usableText(visitor) : undefined;
  if (visitorId !== undefined) fields.visitorId = visitorId;
  const ip = [order.browser_ip, order.client_details?.browser_ip]
    .map((candidate) => candidate?.trim())
    .find((candidate) => candidate !== undefined && candidate !== "" && candidate.length <= 100);
  if (ip !== undefined) fields.ip = ip;
  return fields;
}

function instantOf(
  text: string,
  field: string,
): { ok: true; iso: string } | { ok: false; reason: string } {
  const ms = Date.parse(text);
  return Number.isNaN(ms)
    ? { ok: false, reason: `${field} "${text.slice(0, MAX_TEXT)}" is not a date and time` }
    : { ok: true, iso: new Date(ms).toISOString() };
}

interface AmountReader {
  /**
   * Minor units of the amount at `path`, from its `<path>_set.shop_money`
   * (the shop's currency) when present, else from the plain decimal string;
   * 0 when the order has neither.
   */
  read(plain: string | null | undefined, set: unknown, path: string): number;
  /** The first amount that was not exact in the currency, as a brand admin reads it. */
  problem(): string | null;
}

/** Reads many amounts in one currency and keeps the first that fails, so a mapping checks once. */
function amountReader(exponent: number): AmountReader {
  let problem: string | null = null;
  return {
    read(plain, set, path) {
      const fromSet = moneySet.safeParse(set);
      const [text, where] = fromSet.success
        ? [fromSet.data.shop_money.amount, `${path}_set.shop_money.amount`]
        : [plain, path];
      if (text == null) return 0;
      const amount = decimalToMinor(text, exponent);
      if (amount.ok) return amount.minor;
      problem ??= `${where} ${amount.message}`;
      return 0;
    },
    problem: () => problem,
  };
}

const sum = (amounts: readonly number[]): number => amounts.reduce((a, b) => a + b, 0);
