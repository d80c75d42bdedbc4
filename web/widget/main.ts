// The storefront widget: one script tag on any page adds a launcher and a
// rewards panel (see web/vite.widget.config.ts). No framework, so it stays
// small; everything lives in a shadow root, so the shop's CSS and ours never
// meet; content is built with textContent, never HTML, so goal names cannot
// inject markup into the shop's page. It calls two routes with fetch and
// takes their shapes from the client generated from the OpenAPI document
// (types only: they cost the script nothing), so it breaks at build time,
// not on a shop's page, when a field it reads changes.
import type { Answer } from "../../src/client/index.ts";
import type { Band } from "../shared/band.ts";
import { textOn } from "../shared/contrast.ts";
import {
  COUNTED_NOUNS,
  formatMoney,
  formatNumber,
  remainingText,
  type Unit,
} from "../shared/format.ts";

type Milestones = Answer<"/v1/widget/{programId}/milestones", "get">;
type Me = Answer<"/v1/widget/{programId}/me", "get">;
type Progress = Me["items"][number];
type Step = Milestones["milestones"][number]["steps"][number];
type Reward = Step["reward"];

class LoadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const script = (document.currentScript ??
  document.querySelector("script[data-program][src*='widget']")) as HTMLScriptElement | null;
const programId = script?.dataset.program ?? "";
// The API is wherever this script came from, whatever page embeds it.
const apiBase = new URL(".", script?.src || location.href);
let customerToken: string | null = script?.dataset.customerToken || null;

const MONEY = new Set(["sales_amount", "sku_amount"]);
const BAND_WORDS: Record<Band, string> = {
  red: "Keep going",
  orange: "Almost there",
  green: "Complete",
};

const unitOf = (metric: string): Unit =>
  MONEY.has(metric) ? "money" : metric === "points_earned" ? "points" : "count";

// Shoppers read of friends who buy where the console says recruits.
const NOUNS: Record<string, string> = {
  ...COUNTED_NOUNS,
  referral_count: "friend who buys",
  points_earned: "point",
};

/** "$500.00", "3 orders", "120 points": an amount of what a goal counts. */
function amountText(value: number, metric: string, currency: string): string {
  if (MONEY.has(metric)) return formatMoney(value, currency);
  const noun = NOUNS[metric] ?? "item";
  const plural = noun === "friend who buys" ? "friends who buy" : `${noun}s`;
  return `${formatNumber(value)} ${value === 1 ? noun : plural}`;
}

function rewardText(reward: Reward, metric: string, currency: string): string {
  if ("byLevel" in reward)
    return reward.default
      ? `${rewardText(reward.default, metric, currency)} (more at some levels)`
      : "a reward that depends on your level";
  switch (reward.type) {
    case "points":
      return amountText(reward.points ?? 0, "points_earned", currency);
    case "cash":
      return `${formatMoney(reward.amount ?? 0, currency)} cash`;
    case "percent_of_value":
      return MONEY.has(metric)
        ? `${reward.percent}% back in cash`
        : `${reward.percent}% of it in points`;
    case "points_per":
      return `${amountText(reward.points ?? 0, "points_earned", currency)} per ${amountText(reward.per ?? 1, metric, currency)}`;
    case "free_product":
      // Shoppers know the product by its name; the SKU is the shop's own code.
      return `a free ${reward.name ?? reward.sku ?? "product"}`;
    case "level":
      return `the ${reward.level ?? "next"} level`;
  }
}

function stepText(step: Step, metric: string, currency: string): string {
  const reach =
    typeof step.threshold === "number"
      ? amountText(step.threshold, metric, currency)
      : `${step.percent ?? "?"}% of your target`;
  return `${reach}: ${rewardText(step.reward, metric, currency)}`;
}

function windowText(window: Milestones["milestones"][number]["window"]): string | null {
  if (window.type === "monthly") return "Starts again each month";
  if (window.type === "quarterly") return "Starts again each quarter";
  if (window.type === "fixed" && window.start && window.end) {
    const date = (iso: string) =>
      new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
    return `${date(window.start)} to ${date(window.end)}`;
  }
  return null;
}

async function get<T>(path: string, token: string | null, method = "GET"): Promise<T> {
  const response = await fetch(new URL(path, apiBase), {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body = (await response.json().catch(() => null)) as
    (T & { error?: { message?: string } }) | null;
  if (!response.ok || body === null)
    throw new LoadError(body?.error?.message ?? `HTTP ${response.status}`, response.status);
  return body;
}

/** A small element builder: attributes, then children as nodes or text. */
function h(
  tag: string,
  attributes: Record<string, string> = {},
  ...children: (Node | string | null)[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null) element.append(child);
  return element;
}

const STYLES = `
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  right: 16px !important;
  bottom: 16px !important;
  z-index: 2147483000 !important;
  visibility: visible !important;
  opacity: 1 !important;
  color: #1a1a1a !important;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif !important;
}
* { box-sizing: border-box; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.launcher {
  display: inline-flex; align-items: center; gap: 8px;
  min-height: 48px; padding: 0 20px; border: 0; border-radius: 999px;
  background: #14532d; color: #ffffff; font-weight: 600;
  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.25);
}
.launcher:hover { filter: brightness(1.1); }
.launcher[hidden] { display: none; }
.logo { height: 28px; width: auto; max-width: 96px; object-fit: contain; }
.title { display: flex; align-items: center; gap: 8px; min-width: 0; }
.joined { border: 1px solid #15803d; border-radius: 10px; padding: 12px; margin: 8px 0; }
.link { display: flex; gap: 8px; margin-top: 6px; }
.link input {
  flex: 1; min-width: 0; min-height: 36px; padding: 0 8px; font: inherit;
  border: 1px solid #a3a3a3; border-radius: 8px; color: #1a1a1a; background: #ffffff;
}
.panel {
  position: absolute; right: 0; bottom: 60px;
  width: min(360px, calc(100vw - 32px)); max-height: min(70vh, 560px); overflow: auto;
  background: #ffffff; color: #1a1a1a; border: 1px solid #d4d4d4; border-radius: 12px;
  box-shadow: 0 12px 32px rgba(0, 0, 0, 0.22); padding: 16px;
}
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
h2 { margin: 0; font-size: 18px; }
h3 { margin: 16px 0 8px; font-size: 15px; }
h4 { margin: 0 0 4px; font-size: 15px; }
p { margin: 4px 0; }
.close {
  width: 36px; height: 36px; border: 1px solid #d4d4d4; border-radius: 8px;
  background: #ffffff; color: #1a1a1a; font-size: 20px; line-height: 1;
}
.card { border: 1px solid #e5e5e5; border-radius: 10px; padding: 12px; margin: 8px 0; }
.muted { color: #525252; font-size: 14px; }
.bar { height: 10px; border-radius: 5px; background: #e5e5e5; overflow: hidden; margin: 8px 0 4px; }
.fill { height: 100%; border-radius: 5px; }
.fill.red { background: #b91c1c; } .fill.orange { background: #c2410c; } .fill.green { background: #15803d; }
.band { font-weight: 600; font-size: 14px; }
.band.red { color: #b91c1c; } .band.orange { color: #9a3412; } .band.green { color: #15803d; }
ol { margin: 4px 0 0; padding-left: 20px; }
li { margin: 2px 0; }
.reached { font-weight: 600; }
.error { color: #b91c1c; }
.retry {
  margin-top: 8px; min-height: 36px; padding: 0 14px; border: 1px solid #14532d;
  border-radius: 8px; background: #ffffff; color: #14532d; font-weight: 600;
}
`;

const host = document.createElement("laurel-widget");
host.dataset.program = programId;
const root = host.attachShadow({ mode: "open" });
// Hidden until the program is known to exist: a wrong program id shows shoppers nothing.
const launcher = h(
  "button",
  {
    type: "button",
    class: "launcher",
    "aria-expanded": "false",
    "aria-controls": "laurel-panel",
    hidden: "",
  },
  "★ Rewards",
);
const title = h("h2", { id: "laurel-title" }, "Rewards");
const logo = h("img", { class: "logo", alt: "", hidden: "" });
// A logo that does not load is left out rather than shown broken.
logo.addEventListener("error", () => {
  logo.hidden = true;
});
const closeButton = h(
  "button",
  { type: "button", class: "close", "aria-label": "Close rewards" },
  "×",
);
const content = h("div", { "aria-live": "polite" });
const panel = h(
  "div",
  {
    id: "laurel-panel",
    class: "panel",
    role: "dialog",
    "aria-labelledby": "laurel-title",
    tabindex: "-1",
    hidden: "",
  },
  h("div", { class: "head" }, h("div", { class: "title" }, logo, title), closeButton),
  content,
);
root.append(h("style", {}, STYLES), panel, launcher);

let milestones: Milestones | null = null;
let loading = 0;

function progressCard(p: Progress, currency: string, totalSteps: number | undefined): HTMLElement {
  const percent = Math.max(0, Math.min(100, p.percent ?? 0));
  const band = p.band ?? "red";
  const value = amountText(p.value, p.metric, currency);
  const target = p.target === null ? null : amountText(p.target, p.metric, currency);
  const remaining = p.nextStep
    ? `${remainingText(p.nextStep.remaining, p.unit, currency, p.metric)} to ${rewardText(p.nextStep.reward, p.metric, currency)}`
    : "Every step reached";
  return h(
    "div",
    { class: "card" },
    h("h4", {}, p.name),
    h(
      "div",
      {
        class: "bar",
        role: "progressbar",
        "aria-label": p.name,
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "aria-valuenow": String(Math.round(percent)),
        "aria-valuetext": `${value}${target ? ` of ${target}` : ""}`,
      },
      h("div", { class: `fill ${band}`, style: `width: ${percent}%` }),
    ),
    h("p", { class: `band ${band}` }, `${BAND_WORDS[band]} · ${Math.floor(percent)}%`),
    h("p", {}, target ? `${value} of ${target}` : value),
    h(
      "p",
      { class: "muted" },
      totalSteps === undefined
        ? `${p.stepsReached.length} step${p.stepsReached.length === 1 ? "" : "s"} reached`
        : `${p.stepsReached.length} of ${totalSteps} step${totalSteps === 1 ? "" : "s"} reached`,
    ),
    h("p", {}, remaining),
  );
}

function ladderCard(m: Milestones["milestones"][number], currency: string): HTMLElement {
  const when = windowText(m.window);
  return h(
    "div",
    { class: "card" },
    h("h4", {}, m.name),
    m.description ? h("p", { class: "muted" }, m.description) : null,
    when ? h("p", { class: "muted" }, when) : null,
    h("ol", {}, ...m.steps.map((s) => h("li", {}, stepText(s, m.metric, currency)))),
  );
}

/** For a program that lets customers join from the widget: one click makes them a member. */
function joinButton(token: string, programName: string): HTMLElement {
  const join = h("button", { type: "button", class: "retry" }, `Join ${programName}`);
  const status = h("p", { class: "muted", role: "status" });
  join.addEventListener("click", () => {
    join.setAttribute("disabled", "");
    status.textContent = "Joining…";
    get<Answer<"/v1/widget/{programId}/me", "post">>(
      `v1/widget/${encodeURIComponent(programId)}/me`,
      token,
      "POST",
    ).then(
      (joined) => {
        confirmation = joined.customer.referralLink;
        void load();
      },
      (error: Error) => {
        join.removeAttribute("disabled");
        status.textContent = `You could not join: ${error.message}`;
      },
    );
  });
  return h(
    "div",
    {},
    h("p", {}, "Join to track your progress and earn these rewards."),
    join,
    status,
  );
}

/** The link a customer who just joined shares, said once after the Join. */
let confirmation: string | null = null;

function joinedNotice(link: string): HTMLElement {
  const field = h("input", {
    type: "text",
    readonly: "",
    value: link,
    "aria-label": "Your referral link",
  }) as HTMLInputElement;
  const copy = h("button", { type: "button", class: "retry" }, "Copy link");
  const said = h("p", { class: "muted", role: "status" });
  copy.addEventListener("click", () => {
    navigator.clipboard.writeText(link).then(
      () => {
        said.textContent = "Link copied.";
      },
      () => {
        // Without clipboard access the text is selected, so a keyboard copy works.
        field.select();
        said.textContent = "Could not copy: the link is selected, press Ctrl+C or ⌘C.";
      },
    );
  });
  return h(
    "div",
    { class: "joined" },
    h("p", { class: "reached" }, `You've joined — your link is ${link}`),
    h("div", { class: "link" }, field, copy),
    said,
  );
}

function showError(message: string): void {
  const retry = h("button", { type: "button", class: "retry" }, "Try again");
  retry.addEventListener("click", () => void load());
  content.replaceChildren(
    h("p", { class: "error", role: "alert" }, `Rewards could not be loaded: ${message}`),
    retry,
  );
}

async function load(): Promise<void> {
  const mine = ++loading;
  if (!programId) {
    showError("the script tag has no data-program attribute.");
    return;
  }
  content.replaceChildren(h("p", { class: "muted" }, "Loading rewards…"));
  const token = customerToken;
  const [ladders, me] = await Promise.allSettled([
    milestones
      ? Promise.resolve(milestones)
      : get<Milestones>(`v1/widget/${encodeURIComponent(programId)}/milestones`, null),
    token ? get<Me>(`v1/widget/${encodeURIComponent(programId)}/me`, token) : Promise.resolve(null),
  ]);
  // A later load (a new token, a retry) owns the panel now.
  if (mine !== loading) return;
  if (ladders.status === "rejected") {
    showError((ladders.reason as Error).message);
    return;
  }
  milestones = ladders.value;
  brand(milestones);
  const { currency } = milestones;
  title.textContent = `${milestones.name} rewards`;
  const sections: HTMLElement[] = [];
  if (me.status === "rejected") {
    const reason = me.reason as LoadError;
    sections.push(
      h(
        "p",
        { class: "error", role: "alert" },
        reason.status === 401
          ? "We could not confirm who you are, so your progress is not shown. Reload the page to try again."
          : `Your progress could not be loaded: ${reason.message}`,
      ),
    );
  } else if (me.value) {
    const mineItems = me.value.items;
    sections.push(h("h3", {}, "Your progress"));
    if (confirmation && me.value.customer.member) sections.push(joinedNotice(confirmation));
    if (me.value.customer.canJoin && token) sections.push(joinButton(token, milestones.name));
    else if (mineItems.length === 0)
      sections.push(
        h(
          "p",
          { class: "muted" },
          me.value.customer.member
            ? "Nothing to track yet."
            : "No progress yet: your first order starts it.",
        ),
      );
    else {
      const ladders = milestones.milestones;
      const stepsOf = (goalId: string) => ladders.find((m) => m.goalId === goalId)?.steps.length;
      const mineCurrency = me.value.currency;
      sections.push(...mineItems.map((p) => progressCard(p, mineCurrency, stepsOf(p.goalId))));
    }
  }
  sections.push(h("h3", {}, "Milestones"));
  if (milestones.milestones.length === 0)
    sections.push(h("p", { class: "muted" }, "No rewards to show yet. Check back soon."));
  else sections.push(...milestones.milestones.map((m) => ladderCard(m, currency)));
  content.replaceChildren(...sections);
}

/** The program's colour on the launcher, and its logo beside the panel's title. */
function brand(program: Milestones): void {
  const { color, logoUrl } = program.branding;
  if (color) {
    launcher.style.background = color;
    launcher.style.color = textOn(color);
  }
  if (logoUrl && logo.getAttribute("src") !== logoUrl) {
    logo.setAttribute("src", logoUrl);
    logo.hidden = false;
  }
}

/**
 * Asks for the program before showing anything: an unknown program id (a
 * typo in the script tag) hides the widget from shoppers entirely and tells
 * the developer in the console; any other failure shows the launcher, whose
 * panel says what went wrong and offers to try again.
 */
async function reveal(): Promise<void> {
  if (!programId) {
    console.warn("Laurel widget: the script tag has no data-program attribute; nothing is shown.");
    host.remove();
    return;
  }
  try {
    milestones = await get<Milestones>(
      `v1/widget/${encodeURIComponent(programId)}/milestones`,
      null,
    );
    brand(milestones);
  } catch (error) {
    if (error instanceof LoadError && error.status === 404) {
      console.warn(
        `Laurel widget: there is no program ${programId} (data-program on the script tag); nothing is shown.`,
      );
      host.remove();
      return;
    }
  }
  launcher.hidden = false;
}

function setOpen(open: boolean): void {
  panel.hidden = !open;
  launcher.setAttribute("aria-expanded", String(open));
  if (open) {
    panel.focus();
    void load();
  } else {
    // The welcome is said once; the next opening shows the progress alone.
    confirmation = null;
    launcher.focus();
  }
}

launcher.addEventListener("click", () => setOpen(panel.hidden));
closeButton.addEventListener("click", () => setOpen(false));
root.addEventListener("keydown", (event) => {
  if ((event as KeyboardEvent).key === "Escape" && !panel.hidden) {
    event.stopPropagation();
    setOpen(false);
  }
});

function mount(): void {
  document.body.appendChild(host);
  void reveal();
}
if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount, { once: true });

/** For shops that fetch the customer's token after the page loads (or sign them out with null). */
export function setCustomerToken(token: string | null): void {
  customerToken = token || null;
  if (!panel.hidden) void load();
}

export function open(): void {
  if (panel.hidden) setOpen(true);
}

export function close(): void {
  if (!panel.hidden) setOpen(false);
}

/** A call by name, as a page queues it before this script has loaded. */
type Call = ["setCustomerToken", string | null] | ["open"] | ["close"];

function run(call: Call): void {
  if (call[0] === "setCustomerToken") setCustomerToken(call[1]);
  else if (call[0] === "open") open();
  else if (call[0] === "close") close();
}

/**
 * Calls a page makes before this script has loaded wait in
 * `(window.LaurelWidget ||= { q: [] }).q`; they run now, and the same
 * `LaurelWidget.q.push([...])` runs at once from here on.
 */
export const q = {
  push: (...calls: Call[]): number => {
    calls.forEach(run);
    return 0;
  },
};
const queued = (window as { LaurelWidget?: { q?: unknown } }).LaurelWidget?.q;
if (Array.isArray(queued)) (queued as Call[]).forEach(run);
