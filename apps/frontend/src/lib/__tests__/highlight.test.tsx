import { render } from '@testing-library/react';

import { highlight } from '@/lib/highlight';

function spans(code: string, language: string) {
  const { container } = render(<code>{highlight(code, language)}</code>);
  return {
    text: container.textContent,
    marked: [...container.querySelectorAll('span')].map((span) => [
      span.className,
      span.textContent,
    ]),
  };
}

describe('highlight', () => {
  it('marks keywords, strings, numbers and comments', () => {
    expect(spans('const n = 42; // "x"\nreturn "a\\"b";', 'ts')).toEqual({
      text: 'const n = 42; // "x"\nreturn "a\\"b";',
      marked: [
        ['hl-keyword', 'const'],
        ['hl-number', '42'],
        ['hl-comment', '// "x"'],
        ['hl-keyword', 'return'],
        ['hl-string', '"a\\"b"'],
      ],
    });
  });

  it('marks keys in JSON and YAML', () => {
    expect(spans('{"on": true}', 'json').marked).toEqual([
      ['hl-attr', '"on"'],
      ['hl-literal', 'true'],
    ]);
    expect(spans('- name: web # app', 'yaml').marked).toEqual([
      ['hl-attr', 'name'],
      ['hl-comment', '# app'],
    ]);
  });

  it('keeps markup in code as text', () => {
    const { text, marked } = spans('"<img src=x onerror=alert(1)>"', 'js');
    expect(text).toBe('"<img src=x onerror=alert(1)>"');
    expect(marked).toEqual([['hl-string', '"<img src=x onerror=alert(1)>"']]);
  });

  it('leaves unknown languages plain', () => {
    expect(spans('if x then y', 'cobol')).toEqual({
      text: 'if x then y',
      marked: [],
    });
  });
});
