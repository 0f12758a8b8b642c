import { render, screen } from '@testing-library/react';

import { MessageList } from '@/components/message-list';
import type { ChatMessage } from '@/types/chat';

const rendered = vi.hoisted((): string[] => []);

// Counts the Markdown renders, which is what a long answer makes expensive.
vi.mock('@/components/markdown', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/components/markdown')>();
  return {
    Markdown: ({ text }: { text: string }) => {
      rendered.push(text);
      return <real.Markdown text={text} />;
    },
  };
});

const finished: ChatMessage = {
  id: 'a1',
  role: 'assistant',
  content: 'A long finished answer.',
  status: 'complete',
};

function streaming(content: string): ChatMessage {
  return { id: 'a2', role: 'assistant', content, status: 'streaming' };
}

describe('MessageList', () => {
  it('does not render finished messages again while another streams', () => {
    const onRetry = vi.fn();
    const { rerender } = render(
      <MessageList
        messages={[finished, streaming('Hel')]}
        busy
        onRetry={onRetry}
      />,
    );
    rendered.length = 0;

    rerender(
      <MessageList
        messages={[finished, streaming('Hello')]}
        busy
        onRetry={onRetry}
      />,
    );
    rerender(
      <MessageList
        messages={[finished, streaming('Hello, you')]}
        busy
        onRetry={onRetry}
      />,
    );

    expect(rendered).toEqual(['Hello', 'Hello, you']);
    expect(screen.getByRole('log')).toHaveTextContent(
      'A long finished answer.',
    );
  });
});
