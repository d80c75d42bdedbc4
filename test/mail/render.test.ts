import { describe, expect, it } from "vitest";
import { readConfig, mailSettingOf } from "../../src/cli/config.ts";
import { renderMail } from "../../src/mail/render.ts";
import { parseSmtpUrl } from "../../src/mail/smtp-url.ts";
import { loadMailTemplate, MAIL_TEMPLATES } from "../../src/mail/templates.ts";

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

  it("refuses a placeholder the mail has no value for, and a text part without a subject", () => {
    expect(() => renderMail(template, { programName: "A", name: "B" })).toThrow(/\{\{link\}\}/);
    expect(() => renderMail({ text: "Hello", html: "" }, {})).toThrow(/Subject/);
  });

  it.each(MAIL_TEMPLATES)("the %s template renders from its files", async (name) => {
    const mail = renderMail(await loadMailTemplate(name), {
      programName: "Ambassadors",
      name: "Ana",
      link: "https://laurel.test/portal#token=t",
    });
    expect(mail.subject).toContain("Ambassadors");
    expect(mail.html).toContain('href="https://laurel.test/portal#token=t"');
    expect(mail.text).toContain("https://laurel.test/portal#token=t");
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
