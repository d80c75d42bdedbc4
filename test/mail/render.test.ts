import { describe, expect, it } from "vitest";
import { readConfig, mailSettingOf } from "../../src/cli/config.ts";
import { renderMail } from "../../src/mail/render.ts";
import { parseSmtpUrl } from "../../src/mail/smtp-url.ts";
import {
  loadMailTemplate,
  MAIL_TEMPLATES,
  type MailTemplateName,
} from "../../src/mail/templates.ts";
import type { GrantedReward } from "../../src/domain/goals.ts";
import { describeReward, formatMoney } from "../../src/engine/notification-mails.ts";

const template = {
  text: "Subject: Welcome to {{programName}}\n\nHello {{name}}, open {{link}}\n",
  html: '<p>Hello {{name}}, <a href="{{link}}">open {{ programName }}</a></p>',
};

describe("rendering a mail template", () => {
  it("takes the subject from the text part's first line and fills both parts", () => {
    expect(
      renderMail(template, { programName: "Ambassadors", name: "Ana", link: "https://l.test/p" }),
    ).toEqual({
      subject: "Welcome to Ambassadors",
      text: "Hello Ana, open https://l.test/p\n",
      html: '<p>Hello Ana, <a href="https://l.test/p">open Ambassadors</a></p>',
    });
  });

  it("escapes values in the HTML part only: <Ana & Ben> reads as written", () => {
    const mail = renderMail(template, {
      programName: 'The "Best" Club',
      name: "<Ana & Ben>",
      link: "https://l.test/?a=1&b=2",
    });
    expect(mail.html).toBe(
      '<p>Hello &lt;Ana &amp; Ben&gt;, <a href="https://l.test/?a=1&amp;b=2">open The &quot;Best&quot; Club</a></p>',
    );
    expect(mail.text).toBe("Hello <Ana & Ben>, open https://l.test/?a=1&b=2\n");
  });

  it("keeps a line break in a value from starting a new header in the subject", () => {
    const mail = renderMail(template, { programName: "A\r\nBcc: x@evil.test", name: "", link: "" });
    expect(mail.subject).toBe("Welcome to A Bcc: x@evil.test");
  });

  it("puts a {{{triple}}} placeholder's value, HTML already, into the HTML part as it is, and reads no placeholder inside it", () => {
    const mail = renderMail(
      { text: "Subject: {{name}}\n\n{{{body}}}", html: "<div>{{{body}}}</div><p>{{name}}</p>" },
      { name: "<Ana>", body: "<p><em>Hi</em> {{name}}</p>" },
    );
    expect(mail.html).toBe("<div><p><em>Hi</em> {{name}}</p></div><p>&lt;Ana&gt;</p>");
    expect(mail.text).toBe("<p><em>Hi</em> {{name}}</p>");
  });

  it("refuses a placeholder the mail has no value for, and a text part without a subject", () => {
    expect(() => renderMail(template, { programName: "A", name: "B" })).toThrow(/\{\{link\}\}/);
    expect(() => renderMail({ text: "Hello", html: "" }, {})).toThrow(/Subject/);
  });

  /** Each template with the data its mail is written with: every placeholder it names has a value. */
  const samples: Record<MailTemplateName, { data: Record<string, string>; says: string[] }> = {
    "sign-in": {
      data: { programName: "Ambassadors", name: "Ana", link: "https://laurel.test/portal#token=t" },
      says: ["Hello Ana"],
    },
    "reward-granted": {
      data: {
        programName: "Ambassadors",
        name: "Ana",
        goalName: "Summer sprint",
        step: "2",
        reward: "a free SHIRT-M with voucher code 7K2M-Q9XA-PL3D-W8RT",
        link: "https://laurel.test/portal?program=prg_1",
      },
      says: ["Hello Ana", "Summer sprint", "step 2", "7K2M-Q9XA-PL3D-W8RT"],
    },
    "payout-sent": {
      data: {
        programName: "Ambassadors",
        amount: "$25.00",
        reference: "pay_1-1",
        link: "https://laurel.test/portal?program=prg_1",
      },
      says: ["$25.00", "pay_1-1"],
    },
    broadcast: {
      data: {
        programName: "Ambassadors",
        subject: "New rates at Ambassadors",
        bodyText: "Rates go up on **June 1**.",
        bodyHtml: "<p>Rates go up on <strong>June 1</strong>.</p>",
        unsubscribeUrl: "https://laurel.test/v1/unsubscribe/uns_1",
        // The link the shared check looks for: here, the unsubscribe link.
        link: "https://laurel.test/v1/unsubscribe/uns_1",
      },
      says: ["Rates go up on", "June 1", "member of Ambassadors"],
    },
    "endpoint-disabled": {
      data: {
        brandName: "Ambassadors",
        url: "https://hooks.brand.example/laurel",
        reason: "every delivery failed for 3 days, since 2026-03-01T12:00:00.000Z (last: HTTP 503)",
        link: "https://laurel.test/admin/webhooks",
      },
      says: ["https://hooks.brand.example/laurel", "(last: HTTP 503)", "re-enable the endpoint"],
    },
    "application-approved": {
      data: {
        programName: "Ambassadors",
        name: "Ana",
        link: "https://laurel.test/portal#token=lrl_part_x",
      },
      says: ["Hello Ana", "application to Ambassadors is approved"],
    },
    "application-rejected": {
      data: { programName: "Ambassadors", name: "Ana" },
      says: ["Hello Ana", "Thank you for applying to Ambassadors"],
    },
  };

  it.each(MAIL_TEMPLATES)("the %s template renders from its files", async (name) => {
    const { data, says } = samples[name];
    const mail = renderMail(await loadMailTemplate(name), data);
    expect(mail.subject).toContain("Ambassadors");
    // A rejection links nowhere: there is nothing for the applicant to open.
    if (data.link !== undefined) {
      expect(mail.html).toContain(`href="${data.link}"`);
      expect(mail.text).toContain(data.link);
    }
    for (const words of says) {
      expect(mail.text).toContain(words);
      expect(mail.html).toContain(words);
    }
  });

  it("the reward-granted subject names the step, the goal and the program", async () => {
    const mail = renderMail(
      await loadMailTemplate("reward-granted"),
      samples["reward-granted"].data,
    );
    expect(mail.subject).toBe("You reached step 2 of Summer sprint in Ambassadors");
  });

  it("the payout-sent subject names the program and the amount", async () => {
    const mail = renderMail(await loadMailTemplate("payout-sent"), samples["payout-sent"].data);
    expect(mail.subject).toBe("Ambassadors has paid you $25.00");
  });
});

describe("what a reward mail says was granted", () => {
  const program = {
    id: "prg_1",
    name: "Ambassadors",
    currency: "USD",
    config: {
      name: "Ambassadors",
      currency: "USD",
      timezone: "UTC",
      levels: [{ key: "gold", name: "Gold" }],
    },
  };
  const partners = {
    id: "prg_2",
    name: "Partners",
    currency: "EUR",
    config: { name: "Partners", currency: "EUR", timezone: "UTC" },
  };
  const plain = { program, credited: undefined, configured: undefined, moneyMetric: false };

  it.each<[string, GrantedReward, Omit<Parameters<typeof describeReward>[1], "program">]>([
    ["150 points", { type: "points", points: 150 }, { ...plain, valueAchieved: 5 }],
    ["1 point", { type: "points", points: 1 }, { ...plain, valueAchieved: 5 }],
    ["$25.00", { type: "cash", amount: 2500 }, { ...plain, valueAchieved: 5 }],
    [
      "$12.50 (10% of $125.00)",
      { type: "cash", amount: 1250 },
      {
        ...plain,
        configured: { type: "percent_of_value", percent: 10 },
        moneyMetric: true,
        valueAchieved: 12500,
      },
    ],
    [
      "3 points (2.5% of 120)",
      { type: "points", points: 3 },
      {
        ...plain,
        configured: { type: "percent_of_value", percent: "2.5" },
        valueAchieved: 120,
      },
    ],
    [
      "30 points (10 points for every $1.00)",
      { type: "points", points: 30 },
      {
        ...plain,
        configured: { type: "points_per", points: 10, per: 100 },
        moneyMetric: true,
        valueAchieved: 350,
      },
    ],
    [
      "a free SHIRT-M with voucher code 7K2M-Q9XA-PL3D-W8RT",
      { type: "free_product", sku: "SHIRT-M", voucherCode: "7K2M-Q9XA-PL3D-W8RT" },
      { ...plain, valueAchieved: 30 },
    ],
    ["the Gold level", { type: "level", level: "gold" }, { ...plain, valueAchieved: 30 }],
    [
      "€40.00 in Partners",
      { type: "cash", amount: 4000, program: "prg_2" },
      { ...plain, credited: partners, valueAchieved: 30 },
    ],
  ])("%s", (words, reward, context) => {
    expect(describeReward(reward, { ...context, program })).toBe(words);
  });

  it.each([
    [2500, "USD", "$25.00"],
    [5, "USD", "$0.05"],
    [250000, "JPY", "¥250,000"],
    [1250, "KWD", "KWD 1.250"],
    [900719925474099, "USD", "$9,007,199,254,740.99"],
  ])("%i minor units of %s read %s, exactly", (amountMinor, currency, words) => {
    expect(formatMoney(amountMinor, currency).replace(/\u00a0/g, " ")).toBe(words);
  });
});

describe("LAUREL_SMTP_URL and LAUREL_MAIL_FROM", () => {
  const url = "smtp://laurel:top%2Fsecret@mail.example.com:2525";

  it("give the services a mail setting when both are set, and none when neither is", () => {
    expect(
      mailSettingOf(readConfig({ LAUREL_SMTP_URL: url, LAUREL_MAIL_FROM: "Rewards <r@x.test>" })),
    ).toEqual({ smtpUrl: url, from: "Rewards <r@x.test>" });
    expect(mailSettingOf(readConfig({}))).toBeUndefined();
  });

  it("are refused one without the other, with a message that never repeats the password", () => {
    expect(() => readConfig({ LAUREL_SMTP_URL: url })).toThrow(/go together/);
    expect(() => readConfig({ LAUREL_MAIL_FROM: "r@x.test" })).toThrow(/go together/);
    const refusal = (() => {
      try {
        readConfig({
          LAUREL_SMTP_URL: "http://laurel:top%2Fsecret@x",
          LAUREL_MAIL_FROM: "r@x.test",
        });
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).toMatch(/smtp:\/\//);
    expect(refusal).not.toContain("secret");
  });

  it.each([
    [
      url,
      {
        host: "mail.example.com",
        port: 2525,
        secure: false,
        auth: { user: "laurel", pass: "top/secret" },
      },
    ],
    ["smtps://mail.example.com", { host: "mail.example.com", port: 465, secure: true, auth: null }],
    ["smtp://mail.example.com", { host: "mail.example.com", port: 587, secure: false, auth: null }],
  ])("%s is read as its server, TLS and login", (text, server) => {
    expect(parseSmtpUrl(text)).toEqual({ ok: true, ...server });
  });
});
