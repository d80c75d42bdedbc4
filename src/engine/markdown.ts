import MarkdownIt from "markdown-it";

// Raw HTML off: a brand's Markdown (a broadcast, its terms) is its words,
// never markup that could change the mail or the page around it; markdown-it
// also refuses javascript: and data: links on its own. Bare URLs become
// links, as people expect.
const markdown = new MarkdownIt({ html: false, linkify: true });

/** A brand's Markdown as the HTML a mail or a page shows. */
export const renderMarkdown = (body: string): string => markdown.render(body);
