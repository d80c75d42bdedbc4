import { createHash } from "node:crypto";
import { z } from "zod";
import { currencyExponent, decimalToMinor } from "../domain/currency.ts";
import type { EventInput } from "../domain/events.ts";
import {
  ignored,
  mapped,
  rejected,
  type Mapping,
  type ProviderAdapter,
  type SignedRequest,
  type Verification,
} from "./delivery.ts";
import {
  MAX_TEXT,
  pathText,
  splitExactly,
  usableEmail,
  usableText,
  verifyBase64Hmac,
} from "./fields.ts";

/**
 * WooCommerce webhooks: the order as its REST API v3 gives it, signed with
 * a base64 HMAC-SHA256 of the raw body in X-WC-Webhook-Signature.
 */

const SIGNATURE_HEADER = "x-wc-webhook-signature";
const ORDER_TOPICS = new Set(["order.created", "order.updated"]);
const COUNTED_STATUSES = new Set(["processing", "completed"]);
const MAX_IP = 100;

const lineItemSchema = z.looseObject({
  product_id: z.number().int().nonnegative(),
  variation_id: z.number().int().nonnegative(),
  quantity: z.number().int(),
  subtotal: z.string(),
  // null when the product has been deleted since the order was placed.
  sku: z.string().nullish(),
});

const orderSchema = z.looseObject({
  id: z.number().int().positive(),
  status: z.string(),
  currency: z.string(),
  date_created_gmt: z.string().nullable(),
  discount_total: z.string(),
  shipping_total: z.string(),
  total_tax: z.string(),
  total: z.string(),
  customer_id: z.number().int().nonnegative().default(0),
  customer_ip_address: z.string().nullish(),
  billing: z.looseObject({ email: z.string().nullish() }).nullish(),
  line_items: z.array(lineItemSchema),
  fee_lines: z.array(z.unknown()).nullish(),
  coupon_lines: z.array(z.looseObject({ code: z.string() })).nullish(),
  meta_data: z.array(z.looseObject({ key: z.string(), value: z.unknown() })).nullish(),
  refunds: z.array(z.looseObject({ id: z.number().int().positive(), total: z.string() })).nullish(),
});

type WooOrder = z.infer<typeof orderSchema>;
type LineItem = z.infer<typeof lineItemSchema>;
type Item = { sku: string; quantity: number; unitAmount: number };
type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

const statusSchema = z.looseObject({ status: z.string() });
export const woocommerce: ProviderAdapter = {
  provider: "woocommerce",

  verify(request: SignedRequest, secret: string): Verification {
    return verifyBase64Hmac(request, secret, {
      header: SIGNATURE_HEADER,
      missing:
        "no X-WC-Webhook-Signature header: WooCommerce signs every delivery with the webhook's secret",
      mismatch:
        "X-WC-Webhook-Signature does not match the body: the webhook's secret in WooCommerce differs from the one connected to Laurel",
    });
  },

  topicOf(request: SignedRequest): string {
    return request.headers["x-wc-webhook-topic"]?.trim() || "unknown";
  },

  /**
   * WooCommerce's delivery id is a hash of the webhook's id and the current
   * second (WC_Webhook::get_new_delivery_id), so two deliveries of one
   * webhook in the same second, such as a bulk status change of many
   * orders, share it. The body's digest beside it keeps those apart, while
   * the same bytes delivered again are still known as a redelivery.
   */
  deliveryIdOf(request: SignedRequest): string | null {
    const header = request.headers["x-wc-webhook-delivery-id"]?.trim();
    if (!header) return null;
    const digest = createHash("sha256").update(request.body).digest("hex").slice(0, 16);
    return `${header}:${digest}`;
  },

  /**
   * Saving a webhook in WooCommerce POSTs `webhook_id=<n>` as an unsigned
   * form (WC_Webhook::deliver_ping) and refuses to activate the webhook
   * unless it is answered 200. Only exactly that is a ping.
   */
  isPing(request: SignedRequest): boolean {
    if (request.headers[SIGNATURE_HEADER] !== undefined) return false;
    const contentType = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (contentType !== "application/x-www-form-urlencoded") return false;
    return /^webhook_id=\d+$/.test(request.body.toString("utf8"));
  },

  map: mapWooCommerceDelivery,
};

/** What an order.created or order.updated delivery means: the order when it counts, and its refunds. */
function mapWooCommerceDelivery(topic: string, body: unknown): Mapping {
  if (!ORDER_TOPICS.has(topic)) return ignored(`topic ${topic} is not handled`);
  const head = statusSchema.safeParse(body);
  if (!head.success) return rejected(`the body is not a WooCommerce order: ${issueOf(head.error)}`);
  const status = head.data.status;
  if (!COUNTED_STATUSES.has(status) && status !== "refunded")
    return ignored(`status ${status}: an order counts once it is processing or completed`);

  const parsed = orderSchema.safeParse(body);
  if (!parsed.success) return rejected(issueOf(parsed.error));
  const order = parsed.data;

  const exponent = currencyExponent(order.currency);
  if (exponent === null) return rejected(`unknown currency "${order.currency}"`);
  const occurredAt = instantOf(order.date_created_gmt);
  if (occurredAt === null)
    return rejected(`date_created_gmt ${JSON.stringify(order.date_created_gmt)} is not a date`);
  const orderId = `woocommerce:order:${order.id}`;

  const refunds = refundsOf(order, orderId, occurredAt, exponent);
  if (!refunds.ok) return rejected(refunds.reason);

  if (status === "refunded") {
    const total = amountOf(order.total, "total", exponent);
    if (!total.ok) return rejected(total.reason);
    const refundedMinor = refunds.value.reduce((sum, refund) => sum + refund.amount, 0);
    const events: EventInput[] = refunds.value.map((refund) => refund.event);
    // A store can mark an order refunded without recording a refund for all of it; what is left goes back too.
    if (refundedMinor < total.value)
      events.push({
        type: "refund",
        id: `${orderId}:refunded`,
        orderId,
        occurredAt,
      });
    return events.length === 0
      ? ignored("status refunded: the order's refunds add up to nothing")
      : mapped(events);
  }

  const orderEvent = orderEventOf(order, orderId, occurredAt, exponent);
  if (!orderEvent.ok) return rejected(orderEvent.reason);
  return mapped([orderEvent.value, ...refunds.value.map((refund) => refund.event)]);
}

/**
 * The order as Laurel counts it, from fields that stay the same while the
 * order moves from processing to completed, so either topic and either
 * status give the same event.
 */
function orderEventOf(
  order: WooOrder,
  orderId: string,
  occurredAt: string,
  exponent: number,
): Result<EventInput> {
  if (order.line_items.length === 0) return fail("the order has no line items");
  const items: Item[] = [];
  for (const [index, line] of order.line_items.entries()) {
    const lineItems = itemsOf(line, `line_items[${index}]`, exponent);
    if (!lineItems.ok) return lineItems;
    items.push(...lineItems.value);
  }
  const discount = amountOf(order.discount_total, "discount_total", exponent);
  if (!discount.ok) return discount;
  const shipping = amountOf(order.shipping_total, "shipping_total", exponent);
  if (!shipping.ok) return shipping;
  const tax = amountOf(order.total_tax, "total_tax", exponent);
  if (!tax.ok) return tax;
  const total = amountOf(order.total, "total", exponent);
  if (!total.ok) return total;

  const itemsMinor = items.reduce((sum, item) => sum + item.quantity * item.unitAmount, 0);
  const computedMinor = itemsMinor - discount.value + shipping.value + tax.value;
  if (computedMinor !== total.value) {
    const money = (minor: number) => formatMinor(minor, exponent);
    const fees = order.fee_lines?.length
      ? `; its ${order.fee_lines.length} fee line(s) are not counted`
      : "";
    return fail(
      `total ${order.total} is not the line items' subtotals ${money(itemsMinor)} − discount_total ` +
        `${money(discount.value)} + shipping_total ${money(shipping.value)} + total_tax ` +
        `${money(tax.value)} = ${money(computedMinor)}${fees}`,
    );
  }

  const customerId = order.customer_id > 0 ? String(order.customer_id) : undefined;
  const email = usableEmail(order.billing?.email);
  const code = usableText(order.coupon_lines?.[0]?.code);
  const visitorId = visitorIdOf(order.meta_data ?? []);
  const ip = usableText(order.customer_ip_address, MAX_IP);
  return {
    ok: true,
    value: {
      type: "order",
      id: orderId,
      occurredAt,
      ...(customerId !== undefined || email !== undefined
        ? {
            customer: {
              ...(customerId !== undefined && { id: customerId }),
              ...(email !== undefined && { email }),
            },
          }
        : {}),
      ...(code !== undefined && { code }),
      ...(visitorId !== undefined && { visitorId }),
      ...(ip !== undefined && { ip }),
      items,
      discount: discount.value,
      shipping: shipping.value,
      tax: tax.value,
      currency: order.currency.toUpperCase(),
    },
  };
}

/**
 * One line as Laurel items: its subtotal (before coupons, without tax, as
 * the discount is counted once for the whole order) split exactly over its quantity.
 */
function itemsOf(line: LineItem, path: string, exponent: number): Result<Item[]> {
  if (line.quantity <= 0)
    return fail(`${path}.quantity ${line.quantity} is not a positive number of units`);
  const sku = skuOf(line);
  if (sku.length > MAX_TEXT) return fail(`${path}.sku is longer than ${MAX_TEXT} characters`);
  const subtotal = amountOf(line.subtotal, `${path}.subtotal`, exponent);
  if (!subtotal.ok) return subtotal;
  return { ok: true, value: splitExactly(sku, line.quantity, subtotal.value) };
}

/** The product's SKU, or, for a product without one, the variation or product it is. */
function skuOf(line: LineItem): string {
  const sku = line.sku?.trim();
  if (sku) return sku;
  if (line.variation_id > 0) return `variation:${line.variation_id}`;
  return `product:${line.product_id}`;
}

/**
 * The order's refunds as refunds by amount, oldest first. A delivery says
 * nothing of when a refund was made, and anything read at delivery time
 * (date_modified_gmt, or the receive time when occurredAt is left out)
 * changes between deliveries, so the same refund would come back as other
 * content under its id. The order's own creation time never changes.
 */
function refundsOf(
  order: WooOrder,
  orderId: string,
  occurredAt: string,
  exponent: number,
): Result<{ amount: number; event: EventInput }[]> {
  const refunds = (order.refunds ?? [])
    .map((refund, index) => ({ refund, path: `refunds[${index}].total` }))
    .sort((a, b) => a.refund.id - b.refund.id);
  const mappedRefunds: { amount: number; event: EventInput }[] = [];
  for (const { refund, path } of refunds) {
    // WooCommerce shows a refund's total negated ("-5.00").
    const amount = amountOf(refund.total.trim().replace(/^-/, ""), path, exponent);
    if (!amount.ok) return amount;
    // A refund of nothing (items put back in stock, no money returned) takes no commission back.
    if (amount.value === 0) continue;
    mappedRefunds.push({
      amount: amount.value,
      event: {
        type: "refund",
        id: `woocommerce:refund:${refund.id}`,
        orderId,
        occurredAt,
        amount: amount.value,
      },
    });
  }
  return { ok: true, value: mappedRefunds };
}

/** A decimal string of the order's currency in minor units, or why it is not one. */
function amountOf(decimal: string, field: string, exponent: number): Result<number> {
  const result = decimalToMinor(decimal, exponent);
  return result.ok ? { ok: true, value: result.minor } : fail(`${field} ${result.message}`);
}

/** WooCommerce gives GMT times without a zone marker ("2026-11-20T10:00:00"). */
function instantOf(gmt: string | null): string | null {
  if (gmt === null || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/.test(gmt)) return null;
  const ms = Date.parse(gmt.endsWith("Z") ? gmt : `${gmt}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The visitor id the storefront script wrote into the order's meta. */
function visitorIdOf(meta: readonly { key: string; value: unknown }[]): string | undefined {
  for (const key of ["laurel_vid", "_laurel_vid"]) {
    const entry = meta.find((m) => m.key === key && typeof m.value === "string");
    const value = usableText(typeof entry?.value === "string" ? entry.value : undefined);
    if (value !== undefined) return value;
  }
  return undefined;
}

function formatMinor(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

function issueOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the body is not a WooCommerce order";
  return issue.path.length === 0 ? issue.message : `${pathText(issue.path)}: ${issue.message}`;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
