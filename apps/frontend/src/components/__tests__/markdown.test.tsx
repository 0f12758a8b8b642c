import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { Markdown } from '@/components/markdown';

describe('Markdown', () => {
  it('renders raw HTML from the model inert', () => {
    const { container } = render(
      <Markdown
        text={'Look: <img src=x onerror=alert(1)> <script>alert(2)</script>'}
      />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container).toHaveTextContent('Look:');
  });

  it('removes javascript: targets from links', () => {
    render(
      <Markdown text="[x](javascript:alert(1)) and [docs](https://example.org/a)" />,
    );
    expect(screen.queryByRole('link', { name: 'x' })).toBeNull();
    expect(screen.getByText('x').closest('a')).not.toHaveAttribute('href');
    const docs = screen.getByRole('link', { name: 'docs' });
    expect(docs).toHaveAttribute('href', 'https://example.org/a');
    expect(docs).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('links images instead of loading them', () => {
    const { container } = render(
      <Markdown text="![chart](https://example.org/c.png) ![bad](javascript:alert(1))" />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByRole('link', { name: 'Image: chart' })).toHaveAttribute(
      'href',
      'https://example.org/c.png',
    );
    expect(screen.queryByRole('link', { name: /bad/ })).toBeNull();
  });

  it('renders GitHub tables and strikethrough', () => {
    render(<Markdown text={'| a | b |\n| - | - |\n| 1 | ~~2~~ |'} />);
    expect(screen.getByRole('table')).toBeInTheDocument();
    expect(
      screen.getByRole('cell', { name: '2' }).querySelector('del'),
    ).not.toBeNull();
  });

  it('highlights code and copies it with the copy button', async () => {
    const user = userEvent.setup();
    const writeText = vi
      .spyOn(navigator.clipboard, 'writeText')
      .mockResolvedValue(undefined);
    const { container } = render(
      <Markdown text={'```python\nif x:\n    print("hi")  # greet\n```'} />,
    );
    expect(container.querySelector('.hl-keyword')).toHaveTextContent('if');
    expect(container.querySelector('.hl-string')).toHaveTextContent('"hi"');
    expect(container.querySelector('.hl-comment')).toHaveTextContent('# greet');

    await user.click(screen.getByRole('button', { name: 'Copy code' }));
    expect(writeText).toHaveBeenCalledExactlyOnceWith(
      'if x:\n    print("hi")  # greet',
    );
    expect(screen.getByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });
});

describe('Markdown layout', () => {
  it('keeps single line breaks in text, not in code', () => {
    const { container } = render(
      <Markdown text={'Roses are red,\nviolets are blue.\n\n```\na\nb\n```'} />,
    );
    const poem = container.querySelector('p');
    expect(poem?.innerHTML).toBe('Roses are red,<br>\nviolets are blue.');
    expect(container.querySelector('pre br')).toBeNull();
    expect(container.querySelector('pre')).toHaveTextContent(/^a\s*b$/);
  });

  it('labels code without a language as text', () => {
    const { container } = render(<Markdown text={'```\nif x\n```'} />);
    expect(container.querySelector('.code-block-bar span')).toHaveTextContent(
      /^text$/,
    );
    expect(container.querySelector('pre span')).toBeNull();
  });

  it('renders block quotes as quotes', () => {
    const { container } = render(<Markdown text="> Quoted line" />);
    expect(container.querySelector('blockquote')).toHaveTextContent(
      'Quoted line',
    );
  });
});
