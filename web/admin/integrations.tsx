import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime } from "../shared/format.ts";
import { PagedList, formatWithSeconds, usePagedQuery } from "./paged-list.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  ConfirmDialog,
  CopyField,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
  type BadgeTone,
} from "./ui.tsx";

type Integration = Schema<"Integration">;
type IntegrationList = Schema<"IntegrationCollection">;
type Delivery = Schema<"Delivery">;
type Provider = Integration["provider"];
/** What connecting sends; the PUT call checks it against the document's own body. */
interface ConnectBody {
  secret: string;
  shopDomain?: string;
}

/** How a store is set up to send its webhooks, in the words of the store's own admin. */
interface Guide {
  provider: Provider;
  name: string;
  /** Where the store shows (or takes) the signing secret. */
  findSecret: (program: Program) => ReactNode;
  /** How the webhooks are added, before the list of topics; `url` names the webhook URL. */
  subscribe: (url: string) => ReactNode;
  topics: readonly { code: string; label?: string }[];
  /** How to make the store send a delivery now, for the empty log. */
  tryIt: string;
  /** The shop's own domain is asked for, and deliveries from other shops refused. */
  shopDomain: boolean;
}

const GUIDES: readonly Guide[] = [
  {
    provider: "shopify",
    name: "Shopify",
    findSecret: () => (
      <>
        In the Shopify admin, <b>Settings → Notifications → Webhooks</b>: the key after “Your
        webhooks will be signed with”. Webhooks an app creates are signed with that app's API secret
        key instead.
      </>
    ),
    subscribe: (url) => <>Create one webhook per event, format JSON, with {url}:</>,
    topics: [
      { code: "orders/create", label: "Order creation" },
      { code: "orders/paid", label: "Order payment" },
      { code: "refunds/create", label: "Refund create" },
      { code: "orders/cancelled", label: "Order cancellation" },
    ],
    tryIt:
      "send a test webhook from your store (Settings → Notifications → Webhooks, then Send test on a webhook), or wait for the next order, then Refresh.",
    shopDomain: true,
  },
  {
    provider: "stripe",
    name: "Stripe",
    // Stripe makes the secret only once the endpoint exists, so the endpoint's
    // address has to be told before connecting; the host is Laurel's public one.
    findSecret: (program) => (
      <>
        In the Stripe Dashboard, <b>Developers → Webhooks</b>: add an endpoint at Laurel's public
        address followed by <code className="break-all">/v1/hooks/stripe/{program.id}</code>, then
        reveal its <b>Signing secret</b> (<code>whsec_…</code>).
      </>
    ),
    subscribe: () => <>Select these events for the endpoint:</>,
    topics: [
      { code: "checkout.session.completed" },
      { code: "checkout.session.async_payment_succeeded" },
      { code: "invoice.paid" },
      { code: "charge.refunded" },
      { code: "invoice_payment.paid" },
    ],
    tryIt:
      "send a test webhook from your store (the endpoint in Stripe's Developers → Webhooks, or stripe trigger checkout.session.completed), or wait for the next payment, then Refresh.",
    shopDomain: false,
  },
  {
    provider: "woocommerce",
    name: "WooCommerce",
    findSecret: () => (
      <>
        In WordPress, <b>WooCommerce → Settings → Advanced → Webhooks</b>: the <b>Secret</b> field
        of each webhook. Choose a long random secret, and give the same one to Laurel and to every
        webhook.
      </>
    ),
    subscribe: (url) => (
      <>
        Add one webhook per topic, status Active, API version <b>WP REST API Integration v3</b>,
        with {url} as its delivery URL:
      </>
    ),
    topics: [
      { code: "order.created", label: "Order created" },
      { code: "order.updated", label: "Order updated" },
    ],
    tryIt:
      "send a test webhook from your store by placing a test order (the ping WooCommerce sends when a webhook is saved is answered, not listed), then Refresh.",
    shopDomain: false,
  },
];

export function Integrations({ program }: { program: Program }) {
  const integrations = useQuery({
    queryKey: ["integrations", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/integrations", {
          params: { path: { programId: program.id } },
        }),
      ),
  });
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h2 className="text-xl font-semibold">Integrations</h2>
        <p className="text-sm text-slate-600">
          Connect a store, and its orders and refunds reach Laurel as they happen. The store signs
          every webhook with a secret that Laurel checks before taking the delivery.
        </p>
      </div>
      {integrations.isPending ? (
        <Loading what="integrations" />
      ) : integrations.error ? (
        <ErrorMessage error={integrations.error} />
      ) : (
        GUIDES.map((guide) => (
          <ProviderCard
            key={guide.provider}
            program={program}
            guide={guide}
            integration={integrations.data.items.find((i) => i.provider === guide.provider)}
          />
        ))
      )}
    </div>
  );
}

function ProviderCard({
  program,
  guide,
  integration,
}: {
  program: Program;
  guide: Guide;
  integration: Integration | undefined;
}) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const urlInput = useRef<HTMLInputElement>(null);
  const [replacing, setReplacing] = useState(false);
  const [notice, setNotice] = useState("");
  // What had focus goes away with the state it belonged to: once connected the
  // URL to copy takes it, once disconnected the card's heading.
  const [focusTo, setFocusTo] = useState<"url" | "heading" | null>(null);
  useEffect(() => {
    if (focusTo === "url" && integration) urlInput.current?.focus();
    else if (focusTo === "heading" && !integration) heading.current?.focus();
    else return;
    setFocusTo(null);
  }, [focusTo, integration]);

  const listKey = ["integrations", program.id];
  const saved = (connected: Integration) =>
    queryClient.setQueryData<IntegrationList>(listKey, (list) => ({
      items: [...(list?.items ?? []).filter((i) => i.provider !== guide.provider), connected],
      next: null,
    }));
  const disconnect = useMutation({
    mutationFn: () =>
      ok(
        api.DELETE("/v1/programs/{programId}/integrations/{provider}", {
          params: { path: { programId: program.id, provider: guide.provider } },
        }),
      ),
    onSuccess: () => {
      setReplacing(false);
      setFocusTo("heading");
      setNotice(`${guide.name} is disconnected: its deliveries are refused from now on.`);
      queryClient.setQueryData<IntegrationList>(listKey, (list) => ({
        items: (list?.items ?? []).filter((i) => i.provider !== guide.provider),
        next: null,
      }));
    },
  });

  return (
    <section
      aria-labelledby={headingId}
      className="flex min-w-0 flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex flex-wrap items-center gap-2">
        <h3
          id={headingId}
          ref={heading}
          tabIndex={-1}
          className="text-lg font-semibold focus:outline-none"
        >
          {guide.name}
        </h3>
        <Badge tone={integration ? "good" : "neutral"}>
          {integration ? "Connected" : "Not connected"}
        </Badge>
        <p role="status" className="text-sm text-emerald-800">
          {notice}
        </p>
      </div>

      {integration ? (
        <>
          <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
            <dt className="text-slate-600">Connected</dt>
            <dd>
              <time dateTime={integration.createdAt}>
                {formatDateTime(integration.createdAt, program.timezone)}
              </time>
            </dd>
            {integration.updatedAt !== integration.createdAt && (
              <>
                <dt className="text-slate-600">Secret replaced</dt>
                <dd>
                  <time dateTime={integration.updatedAt}>
                    {formatDateTime(integration.updatedAt, program.timezone)}
                  </time>
                </dd>
              </>
            )}
            {integration.shopDomain && (
              <>
                <dt className="text-slate-600">Shop</dt>
                <dd className="break-all">{integration.shopDomain}</dd>
              </>
            )}
          </dl>
          <CopyField
            id={`${guide.provider}-webhook-url`}
            label="Webhook URL"
            copyLabel={`${guide.name} webhook URL`}
            what="URL"
            value={integration.webhookUrl}
            inputRef={urlInput}
          />
          <Subscriptions guide={guide} connected />
          {replacing ? (
            <ConnectForm
              program={program}
              guide={guide}
              current={integration}
              onConnected={(connected) => {
                saved(connected);
                setReplacing(false);
                setNotice(
                  `The ${guide.name} secret is replaced: deliveries signed with the old one are refused from now on.`,
                );
                setFocusTo("url");
              }}
              onCancel={() => {
                setReplacing(false);
                setFocusTo("url");
              }}
            />
          ) : (
            <div className="flex flex-wrap gap-2">
              <Button
                variant="secondary"
                onClick={() => {
                  setNotice("");
                  setReplacing(true);
                }}
              >
                Replace secret<span className="sr-only"> of {guide.name}</span>
              </Button>
              <ConfirmDialog
                title={`Disconnect ${guide.name}?`}
                description={`Laurel forgets the signing secret and refuses ${guide.name}'s deliveries from then on. The deliveries log and everything the deliveries booked stay; connecting again takes the secret again.`}
                confirmLabel="Disconnect"
                onConfirm={() => disconnect.mutateAsync()}
                focusAfter={() => heading.current}
                trigger={
                  <Button variant="danger">
                    Disconnect<span className="sr-only"> {guide.name}</span>
                  </Button>
                }
              />
            </div>
          )}
          <Deliveries program={program} guide={guide} />
        </>
      ) : (
        <>
          <Subscriptions guide={guide} connected={false} />
          <ConnectForm
            program={program}
            guide={guide}
            onConnected={(connected) => {
              saved(connected);
              setNotice(
                `${guide.name} is connected. Give ${guide.name} the webhook URL below, for the events listed.`,
              );
              setFocusTo("url");
            }}
          />
        </>
      )}
    </section>
  );
}

function Subscriptions({ guide, connected }: { guide: Guide; connected: boolean }) {
  const url = connected ? "the webhook URL above" : "the webhook URL Laurel gives once connected";
  return (
    <div className="text-sm">
      <p>{guide.subscribe(url)}</p>
      <ul className="mt-1 flex flex-col gap-0.5 pl-4">
        {guide.topics.map((t) => (
          <li key={t.code} className="list-disc">
            {t.label ? (
              <>
                {t.label} (<code className="break-all">{t.code}</code>)
              </>
            ) : (
              <code className="break-all">{t.code}</code>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The signing secret (and Shopify's shop domain), to connect or to replace the
 * secret. The secret is cleared once sent: nothing answers it back, and the
 * page keeps no copy of it.
 */
function ConnectForm({
  program,
  guide,
  current,
  onConnected,
  onCancel,
}: {
  program: Program;
  guide: Guide;
  current?: Integration;
  onConnected: (connected: Integration) => void;
  onCancel?: () => void;
}) {
  const [secret, setSecret] = useState("");
  const [shopDomain, setShopDomain] = useState(current?.shopDomain ?? "");
  const connect = useMutation({
    mutationFn: (body: ConnectBody) =>
      ok(
        api.PUT("/v1/programs/{programId}/integrations/{provider}", {
          params: { path: { programId: program.id, provider: guide.provider } },
          body,
        }),
      ),
    onSuccess: (connected) => {
      setSecret("");
      onConnected(connected);
    },
  });
  const error = connect.error instanceof ApiError ? connect.error : undefined;
  const secretError = error?.messageFor("secret");
  const shopError = error?.messageFor("shopDomain");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const domain = shopDomain.trim();
    connect.mutate({
      secret,
      // Replacing the secret sends the domain again: a PUT without it would drop it.
      ...(guide.shopDomain && domain !== "" ? { shopDomain: domain } : {}),
    });
  };
  const secretId = `${guide.provider}-secret`;
  const shopId = `${guide.provider}-shop-domain`;
  const action = current ? "Replace secret" : "Connect";
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={current ? `Replace the ${guide.name} secret` : `Connect ${guide.name}`}
      className="flex flex-col gap-3 rounded border border-slate-200 bg-slate-50 p-3"
    >
      <p className="text-sm">{guide.findSecret(program)}</p>
      {error && (
        <p
          role="alert"
          className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
        >
          {guide.name} was not connected: {error.message}
        </p>
      )}
      {connect.error && !error && <ErrorMessage error={connect.error} />}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id={secretId}
          label={current ? "New signing secret" : "Signing secret"}
          error={secretError}
        >
          <input
            id={secretId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            // Opened by the admin's own click on "Replace secret", so focus belongs here.
            autoFocus={current !== undefined}
            className={inputClass}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            {...invalid(secretId, secretError)}
          />
        </Field>
        {guide.shopDomain && (
          <Field
            id={shopId}
            label="Shop domain"
            hint="your-shop.myshopify.com: deliveries from any other shop are refused"
            error={shopError}
          >
            <input
              id={shopId}
              autoComplete="off"
              spellCheck={false}
              inputMode="url"
              placeholder="your-shop.myshopify.com"
              className={inputClass}
              value={shopDomain}
              onChange={(e) => setShopDomain(e.target.value)}
              {...invalid(shopId, shopError)}
            />
          </Field>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={connect.isPending}>
          {connect.isPending ? "Saving…" : action}
          <span className="sr-only">
            {current ? " of " : " "}
            {guide.name}
          </span>
        </Button>
        {onCancel && (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}

const STATUS_LOOK: Record<Delivery["status"], { label: string; tone: BadgeTone }> = {
  processed: { label: "Processed", tone: "good" },
  duplicate: { label: "Duplicate", tone: "neutral" },
  ignored: { label: "Ignored", tone: "warning" },
  rejected: { label: "Rejected", tone: "bad" },
};

function Deliveries({ program, guide }: { program: Program; guide: Guide }) {
  const deliveries = usePagedQuery(["deliveries", program.id, guide.provider], (query) =>
    ok(
      api.GET("/v1/programs/{programId}/integrations/{provider}/deliveries", {
        params: { path: { programId: program.id, provider: guide.provider }, query },
      }),
    ),
  );
  return (
    <PagedList
      query={deliveries}
      title="Recent deliveries"
      headingLevel="h4"
      what="deliveries"
      buttonsLabel={`${guide.name} deliveries`}
      timeZone={program.timezone}
      empty={<>No deliveries yet: {guide.tryIt}</>}
      renderRow={(d) => <DeliveryRow delivery={d} timeZone={program.timezone} />}
    />
  );
}

function DeliveryRow({ delivery, timeZone }: { delivery: Delivery; timeZone: string }) {
  const status = STATUS_LOOK[delivery.status];
  return (
    <>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <Badge tone={status.tone}>{status.label}</Badge>
        <code className="break-all">{delivery.topic}</code>
        <time dateTime={delivery.receivedAt} className="text-slate-600">
          {formatWithSeconds(delivery.receivedAt, timeZone)}
        </time>
      </div>
      {delivery.eventIds.length > 0 ? (
        <p>
          <span className="text-slate-600">Laurel events: </span>
          {delivery.eventIds.map((id, i) => (
            <span key={id}>
              {i > 0 && ", "}
              <code className="break-all">{id}</code>
            </span>
          ))}
        </p>
      ) : (
        <p className="text-slate-600">No Laurel events</p>
      )}
      {delivery.error && (
        <p
          className={`whitespace-pre-wrap break-words ${delivery.status === "ignored" ? "text-slate-700" : "text-red-800"}`}
        >
          <span className="font-medium">Reason: </span>
          {delivery.error.message}
        </p>
      )}
    </>
  );
}
