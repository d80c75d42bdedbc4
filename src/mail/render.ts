/**
 * Mail templates are plain files a brand can read and change: a text part
 * whose first line is `Subject: …`, and an HTML part. Both name the mail's
 * data as `{{placeholder}}`s; values are escaped in the HTML part, so a name
 * such as `<Ana & Ben>` reads as written and cannot inject markup.
 */
export interface MailTemplate {
  readonly text: string;
  readonly html: string;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * `{{name}}`, or `{{{name}}}` for a value that is HTML already and goes into
 * the HTML part as it is: a broadcast's Markdown, rendered with raw HTML off.
 * One pattern, so a value is never read again for placeholders of its own.
 */
const PLACEHOLDER =
  /\{\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}\}|\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;
const SUBJECT_LINE = /^Subject:[ \t]*(.*)\r?\n(?:\r?\n)?/;

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/**
 * Fills a template in. A placeholder the data does not give is an error
 * rather than an empty gap: a mail saying "Hello ," or linking nowhere is
 * worse than one that waits for its template to be fixed.
 */
export function renderMail(
  template: MailTemplate,
  data: Readonly<Record<string, string>>,
): RenderedMail {
  const subjectLine = SUBJECT_LINE.exec(template.text);
  if (!subjectLine) throw new Error("the text template must start with a 'Subject: …' line");
  const fill = (source: string, escape: (value: string) => string) =>
    source.replace(PLACEHOLDER, (_match, raw: string | undefined, named: string | undefined) => {
      const name = raw ?? named ?? "";
      const value = data[name];
      if (value === undefined)
        throw new Error(`the template names {{${name}}}, which this mail has no value for`);
      return raw === undefined ? escape(value) : value;
    });
  const plain = (value: string) => value;
  return {
    // A line break in a value must not end the header and start another one.
    subject: fill(subjectLine[1] ?? "", (value) => value.replace(/[\r\n]+/g, " ")).trim(),
    text: fill(template.text.slice(subjectLine[0].length), plain),
    html: fill(template.html, escapeHtml),
  };
}
