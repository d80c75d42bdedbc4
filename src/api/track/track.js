// Laurel's tracking script for a shop's own pages, served at
// /track.js?program=ID with the program's settings in place of the marker on
// the last line. A referral link (/r/CODE) lands here with ?lrl_vid=, or a
// shop's own link with ?via=CODE; either way the visitor id ends up in a
// first-party cookie on the shop's domain, where the shop's checkout can send
// it with the order. Plain JavaScript with no dependencies, so shops load it
// as it is, and every step is guarded: nothing here may break the shop's page.
(function (config) {
  "use strict";
  if (window.LaurelTrack) return;
  var COOKIE = "laurel_vid";
  var CART_SENT = "laurel_vid_cart";
  // The ids Laurel itself accepts (GET /r/{code} and the clicks route).
  var VISITOR_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

  function ignore() {
    // A failed request changes nothing on the page; the next page view tries again.
  }

  /** The visitor id in the shop's cookie, or null (none, or cookies are off). */
  function visitorId() {
    try {
      var pairs = document.cookie.split(";");
      for (var i = 0; i < pairs.length; i++) {
        var pair = pairs[i].trim();
        if (pair.indexOf(COOKIE + "=") !== 0) continue;
        var value = decodeURIComponent(pair.slice(COOKIE.length + 1));
        if (VISITOR_ID.test(value)) return value;
      }
    } catch {
      // A sandboxed frame throws on document.cookie: no cookie, no visitor.
    }
    return null;
  }

  /** Keeps the id for the program's cookie window; answers what the cookie now holds. */
  function keep(id) {
    try {
      document.cookie =
        COOKIE +
        "=" +
        encodeURIComponent(id) +
        "; path=/; max-age=" +
        config.cookieDays * 86400 +
        "; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    } catch {
      // Without cookies there is no visitor to keep; visitorId() answers null.
    }
    return visitorId();
  }

  function newVisitorId() {
    var c = window.crypto;
    // randomUUID exists only on https pages; getRandomValues everywhere.
    if (typeof c.randomUUID === "function") return "v_" + c.randomUUID();
    var bytes = c.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = "";
    for (var i = 0; i < 16; i++) hex += (bytes[i] + 256).toString(16).slice(1);
    return (
      "v_" +
      [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
        "-",
      )
    );
  }

  /** The page's query as it was written, one `name=value` each, so what is kept stays byte for byte. */
  function queryParts() {
    return location.search.slice(1).split("&").filter(Boolean);
  }

  function nameOf(part) {
    try {
      return decodeURIComponent(part.split("=")[0].replace(/\+/g, " "));
    } catch {
      return part;
    }
  }

  function param(name) {
    return new URLSearchParams(location.search).get(name);
  }

  /** A link shared from the address bar must not carry this visitor's id to someone else. */
  function dropFromAddressBar(name) {
    var kept = queryParts().filter(function (part) {
      return nameOf(part) !== name;
    });
    var search = kept.length > 0 ? "?" + kept.join("&") : "";
    history.replaceState(history.state, "", location.pathname + search + location.hash);
  }

  /** Records a landing on the shop's own ?via= link as a click on that code. */
  function recordVisit(code, linked) {
    var id = visitorId() || linked || newVisitorId();
    // Kept before the request, so an order placed while it is on its way carries the id.
    keep(id);
    fetch(config.apiBase + "/v1/track/" + encodeURIComponent(config.programId) + "/clicks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: code, visitorId: id }),
      credentials: "omit",
      keepalive: true,
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        // Laurel gives a new id when it would not take this one; the click is under that.
        if (answer && answer.visitorId !== id && VISITOR_ID.test(answer.visitorId)) {
          keep(answer.visitorId);
          tellShopify();
        }
      })
      .catch(ignore);
  }

  function cartToken() {
    var match = /(?:^|;\s*)cart=([^;]*)/.exec(document.cookie);
    return match ? match[1] : "";
  }

  /**
   * On a Shopify storefront the order webhook carries the cart's attributes,
   * so the id goes into the cart once per visitor and cart: a new cart (after
   * a checkout) gets it again.
   */
  function tellShopify() {
    var shopify = window.Shopify;
    var id = visitorId();
    if (!shopify || !shopify.shop || id === null) return;
    var sent = null;
    try {
      sent = localStorage.getItem(CART_SENT);
    } catch {
      // No storage (a privacy mode): the id goes to the cart on every page instead.
    }
    if (sent === id + " " + cartToken()) return;
    fetch("/cart/update.js", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ attributes: { laurel_vid: id } }),
    })
      .then(function (response) {
        // Read after the answer: the first update is what makes a cart, and its token.
        if (response.ok) localStorage.setItem(CART_SENT, id + " " + cartToken());
      })
      .catch(ignore);
  }

  try {
    window.LaurelTrack = { visitorId: visitorId };
    var fromLink = param("lrl_vid");
    var linked = fromLink !== null && VISITOR_ID.test(fromLink) ? fromLink : null;
    if (linked) keep(linked);
    if (fromLink !== null) dropFromAddressBar("lrl_vid");
    var via = param("via");
    if (via) recordVisit(via, linked);
    tellShopify();
  } catch {
    // Whatever went wrong, the shop's page goes on as if the script were not there.
  }
})(/* LAUREL_TRACK_CONFIG */ {});
