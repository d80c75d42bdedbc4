// The storefront widget: see web/vite.widget.config.ts.
const script = document.currentScript as HTMLScriptElement | null;
const programId = script?.dataset.program ?? "";
const host = document.createElement("div");
host.dataset.laurelWidget = programId;
document.body.appendChild(host);
host.attachShadow({ mode: "open" }).innerHTML = `<button type="button">Rewards</button>`;
