import type { Provider, ProviderAdapter } from "./delivery.ts";
import { shopify } from "./shopify.ts";
import { stripe } from "./stripe.ts";
import { woocommerce } from "./woocommerce.ts";

/** Every store Laurel takes webhooks from, by the name in its hook URL. */
export const ADAPTERS: Readonly<Record<Provider, ProviderAdapter>> = {
  shopify,
  stripe,
  woocommerce,
};
