import type { Element } from 'hast';
import { memo } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';

import { CodeBlock } from '@/components/code-block';
import { remarkBreaks } from '@/lib/remark-breaks';
import { remarkGfmParse } from '@/lib/remark-gfm-parse';

// The model's output is untrusted. react-markdown builds React elements (no
// innerHTML), drops raw HTML unless rehype-raw is added (it is not), and its
// default URL transform empties javascript:, data: and other unsafe links.
const remarkPlugins = [remarkGfmParse, remarkBreaks];

const components: Components = {
  pre: ({ node }) => <CodeBlock {...codeOf(node)} />,
  a: ({ href, children }) => (
    <a href={href || undefined} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ),
  // Linked rather than loaded: no requests to hosts the model picked, and
  // no image blocked by the Content-Security-Policy.
  img: ({ src, alt }) =>
    src ? (
      <a href={src} target="_blank" rel="noopener noreferrer">
        {`Image: ${alt || src}`}
      </a>
    ) : null,
};

function codeOf(pre: Element | undefined): { code: string; language: string } {
  const code = pre?.children[0];
  if (code?.type !== 'element') return { code: '', language: '' };
  const classes = code.properties.className;
  const languageClass = (Array.isArray(classes) ? classes : [])
    .map(String)
    .find((name) => name.startsWith('language-'));
  const text = code.children
    .map((child) => (child.type === 'text' ? child.value : ''))
    .join('');
  return {
    code: text.replace(/\n$/, ''),
    language: languageClass?.slice('language-'.length) ?? '',
  };
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
