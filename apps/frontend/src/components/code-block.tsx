import { useMemo } from 'react';

import { CopyButton } from '@/components/copy-button';
import { highlight } from '@/lib/highlight';

type CodeBlockProps = { code: string; language: string };

export function CodeBlock({ code, language }: CodeBlockProps) {
  const highlighted = useMemo(
    () => highlight(code, language),
    [code, language],
  );

  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span>{language || 'text'}</span>
        <CopyButton text={code} label="Copy code" />
      </div>
      <pre>
        <code>{highlighted}</code>
      </pre>
    </div>
  );
}
