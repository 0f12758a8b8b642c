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
  key: 'a1',
  id: 1,
  role: 'assistant',
  content: 'A long finished answer.',
  status: 'complete',
};

function streaming(content: string): ChatMessage {
  return {
    key: 'a2',
    id: null,
    role: 'assistant',
    content,
    status: 'streaming',
  };
}

describe('MessageList', () => {
  it('does not render finished messages again while another streams', () => {
    const actions = {
      onRetry: vi.fn(),
      onRegenerate: vi.fn(),
      onContinue: vi.fn(),
      onEdit: vi.fn(),
    };
    const props = { busy: true, turns: 1, actions, placeholder: null };
    const { rerender } = render(
      <MessageList messages={[finished, streaming('Hel')]} {...props} />,
    );
    rendered.length = 0;

    rerender(
      <MessageList messages={[finished, streaming('Hello')]} {...props} />,
    );
    rerender(
      <MessageList messages={[finished, streaming('Hello, you')]} {...props} />,
    );

    expect(rendered).toEqual(['Hello', 'Hello, you']);
    expect(screen.getByRole('log')).toHaveTextContent(
      'A long finished answer.',
    );
  });
});
