import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
// Brings the Data fields (micromarkExtensions, ...) that remark-parse reads.
import type {} from 'remark-parse';
import type { Processor } from 'unified';

/**
 * GitHub-flavoured Markdown (tables, strikethrough, task lists, autolinks,
 * footnotes) for parsing only. remark-gfm also registers the Markdown
 * serialiser, which rendering never uses and which doubles the cost.
 */
export function remarkGfmParse(this: Processor) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push(gfm());
  (data.fromMarkdownExtensions ??= []).push(gfmFromMarkdown());
}
