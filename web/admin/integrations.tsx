import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
  type RefObject,
} from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime, formatNumber } from "../shared/format.ts";
import { api, type Program } from "./session.ts";
import {
  Button,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
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

// Deliveries come seconds apart, so their times show the seconds too.
function formatReceived(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone,
  }).format(new Date(iso));
}

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
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ${integration ? "bg-emerald-100 text-emerald-900" : "bg-slate-100 text-slate-700"}`}
        >
          {integration ? "Connected" : "Not connected"}
        </span>
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

/** A read-only value with a Copy button, and a confirmation screen readers hear. */
function CopyField({
  id,
  label,
  copyLabel,
  value,
  inputRef,
}: {
  id: string;
  label: string;
  copyLabel: string;
  value: string;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const [said, setSaid] = useState("");
  useEffect(() => {
    if (said === "") return;
    const timer = setTimeout(() => setSaid(""), 5000);
    return () => clearTimeout(timer);
  }, [said]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid("Copied");
    } catch {
      // Without clipboard access the text is selected, so a keyboard copy works.
      inputRef.current?.select();
      setSaid("Could not copy: the URL is selected, press Ctrl+C or ⌘C.");
    }
  };
  return (
    <Field id={id} label={label}>
      <div className="flex gap-2">
        <input
          id={id}
          ref={inputRef}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} min-w-0 flex-1 font-mono`}
        />
        <Button variant="secondary" onClick={() => void copy()}>
          Copy<span className="sr-only"> {copyLabel}</span>
        </Button>
      </div>
      <p role="status" aria-live="polite" className="min-h-5 text-sm text-emerald-800">
        {said}
      </p>
    </Field>
  );
}

const DELIVERIES_PAGE = 20;

const STATUS_LOOK: Record<Delivery["status"], { label: string; look: string }> = {
  processed: { label: "Processed", look: "bg-emerald-100 text-emerald-900" },
  duplicate: { label: "Duplicate", look: "bg-slate-100 text-slate-700" },
  ignored: { label: "Ignored", look: "bg-amber-100 text-amber-900" },
  rejected: { label: "Rejected", look: "bg-red-100 text-red-800" },
};

function Deliveries({ program, guide }: { program: Program; guide: Guide }) {
  const deliveries = useInfiniteQuery({
    queryKey: ["deliveries", program.id, guide.provider],
    queryFn: ({ pageParam }) =>
      ok(
        api.GET("/v1/programs/{programId}/integrations/{provider}/deliveries", {
          params: {
            path: { programId: program.id, provider: guide.provider },
            query: { limit: DELIVERIES_PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const list = useRef<HTMLOListElement>(null);
  // Once the next page is in, focus goes to its first delivery, so a keyboard
  // user reads on from there rather than from a button that may be gone.
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const rows = deliveries.data?.pages.flatMap((page) => page.items) ?? [];
  useEffect(() => {
    if (focusRow === null || rows.length <= focusRow) return;
    list.current?.querySelectorAll<HTMLLIElement>(":scope > li")[focusRow]?.focus();
    setFocusRow(null);
  }, [focusRow, rows.length]);
  const refreshing = deliveries.isRefetching && !deliveries.isFetchingNextPage;
  const headingId = useId();
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h4 id={headingId} className="text-sm font-semibold text-slate-700">
          Recent deliveries
        </h4>
        <div className="flex items-center gap-2">
          <p role="status" className="text-xs text-slate-500">
            {deliveries.dataUpdatedAt > 0 &&
              !refreshing &&
              `Checked ${formatReceived(new Date(deliveries.dataUpdatedAt).toISOString(), program.timezone)}`}
          </p>
          <Button
            variant="secondary"
            // aria-disabled, not disabled: a disabled button drops keyboard focus.
            aria-disabled={deliveries.isFetching}
            onClick={() => {
              if (deliveries.isFetching) return;
              void deliveries.refetch();
            }}
          >
            {refreshing ? "Refreshing…" : "Refresh"}
            <span className="sr-only"> {guide.name} deliveries</span>
          </Button>
        </div>
      </div>
      {deliveries.isPending ? (
        <Loading what="deliveries" />
      ) : deliveries.error && rows.length === 0 ? (
        <ErrorMessage error={deliveries.error} />
      ) : rows.length === 0 ? (
        <Empty>No deliveries yet: {guide.tryIt}</Empty>
      ) : (
        <>
          <ol
            ref={list}
            aria-labelledby={headingId}
            className="flex flex-col divide-y divide-slate-200 rounded border border-slate-200"
          >
            {rows.map((d) => (
              <DeliveryRow key={d.id} delivery={d} timeZone={program.timezone} />
            ))}
          </ol>
          {deliveries.error && <ErrorMessage error={deliveries.error} />}
          <div className="flex flex-wrap items-center gap-3">
            {deliveries.hasNextPage && (
              <Button
                variant="secondary"
                aria-disabled={deliveries.isFetchingNextPage}
                onClick={() => {
                  if (deliveries.isFetchingNextPage) return;
                  setFocusRow(rows.length);
                  void deliveries.fetchNextPage();
                }}
              >
                {deliveries.isFetchingNextPage ? "Loading…" : "Show more"}
                <span className="sr-only"> {guide.name} deliveries</span>
              </Button>
            )}
            <span className="text-xs text-slate-500">
              {formatNumber(rows.length)} shown, newest first
            </span>
          </div>
        </>
      )}
    </div>
  );
}

function DeliveryRow({ delivery, timeZone }: { delivery: Delivery; timeZone: string }) {
  const status = STATUS_LOOK[delivery.status];
  return (
    <li
      tabIndex={-1}
      className="flex flex-col gap-1 p-3 text-sm focus:outline-2 focus:outline-emerald-700"
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${status.look}`}>
          {status.label}
        </span>
        <code className="break-all">{delivery.topic}</code>
        <time dateTime={delivery.receivedAt} className="text-slate-600">
          {formatReceived(delivery.receivedAt, timeZone)}
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
    </li>
  );
}
