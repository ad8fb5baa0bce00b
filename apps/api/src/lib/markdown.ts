import MarkdownIt from 'markdown-it';

/**
 * Activity text as HTML: Markdown with raw HTML disabled (any `<tag>` is escaped, never passed
 * through), links limited to http(s)/mailto/tel (markdown-it's validateLink already refuses
 * javascript:/vbscript:/data: URLs; this narrows it further), and every link opened safely.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
const SAFE_LINK = /^(https?:|mailto:|tel:)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('rel', 'noopener noreferrer nofollow');
  tokens[idx].attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
// No images: they would fetch third-party URLs from the reader's browser.
md.disable('image');

export function renderMarkdown(text: string): string {
  return text.trim() ? md.render(text) : '';
}
