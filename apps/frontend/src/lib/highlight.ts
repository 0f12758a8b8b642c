import { createElement, type ReactNode } from 'react';

/**
 * A deliberately small highlighter: comments, strings, numbers, keywords
 * and keys for the languages chat answers use most. Full grammars
 * (highlight.js, Prism) would cost more than the rest of the app together.
 * Output is text inside <span>s: nothing is parsed as HTML.
 */
type Grammar = {
  rules: [className: string, pattern: RegExp][];
  keywords?: string;
  literals?: string;
  ignoreCase?: boolean;
};

const DOUBLE = /"(?:\\.|[^"\\\n])*"/;
const SINGLE = /'(?:\\.|[^'\\\n])*'/;
const BACKTICK = /`(?:\\.|[^`\\])*`/;
const NUMBER = /\b(?:0[xX][\da-fA-F]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\b/;
const HASH_COMMENT = /(?<![^\s])#.*/;
const WORD = /[A-Za-z_$][\w$]*/;

const C_LIKE: Grammar = {
  rules: [
    ['comment', /\/\/.*|\/\*[\s\S]*?\*\//],
    [
      'string',
      new RegExp(`${DOUBLE.source}|${SINGLE.source}|${BACKTICK.source}`),
    ],
    ['number', NUMBER],
  ],
  keywords:
    'abstract as async await break case catch class const continue def' +
    ' default defer delete do else enum export extends final finally fn for' +
    ' from func function go if impl implements import in instanceof' +
    ' interface let match mod mut new package private protected pub public' +
    ' return static struct super switch this throw throws trait try type' +
    ' typeof use val var void while yield',
  literals: 'true false null undefined nil NaN',
};

const PYTHON: Grammar = {
  rules: [
    ['comment', HASH_COMMENT],
    ['string', /"""[\s\S]*?"""|'''[\s\S]*?'''/],
    ['string', new RegExp(`[rbfu]?(?:${DOUBLE.source}|${SINGLE.source})`)],
    ['number', NUMBER],
  ],
  keywords:
    'and as assert async await break class continue def del elif else' +
    ' except finally for from global if import in is lambda match case' +
    ' nonlocal not or pass raise return try while with yield',
  literals: 'True False None self',
};

const SHELL: Grammar = {
  rules: [
    ['comment', HASH_COMMENT],
    ['string', new RegExp(`${DOUBLE.source}|${SINGLE.source}`)],
    ['variable', /\$\{[^}\n]*\}|\$\w+/],
  ],
  keywords:
    'if then else elif fi for in do done while until case esac function' +
    ' return export local set unset source',
};

const DATA_KEY = /(?<=^[ \t-]*)[\w.-]+(?=[ \t]*:)/m;

const YAML: Grammar = {
  rules: [
    ['comment', HASH_COMMENT],
    ['attr', DATA_KEY],
    ['string', new RegExp(`${DOUBLE.source}|${SINGLE.source}`)],
    ['number', NUMBER],
  ],
  literals: 'true false null yes no on off',
};

const JSON_GRAMMAR: Grammar = {
  rules: [
    ['attr', new RegExp(`${DOUBLE.source}(?=\\s*:)`)],
    ['string', DOUBLE],
    ['number', /-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/],
  ],
  literals: 'true false null',
};

const SQL: Grammar = {
  rules: [
    ['comment', /--.*|\/\*[\s\S]*?\*\//],
    ['string', SINGLE],
    ['number', NUMBER],
  ],
  keywords:
    'select from where and or not insert into values update set delete' +
    ' create table alter drop index primary key foreign references join' +
    ' left right inner outer on group by order having limit offset as' +
    ' distinct union all case when then else end is in like between',
  literals: 'null true false',
  ignoreCase: true,
};

const DIFF: Grammar = {
  rules: [
    ['meta', /^@@.*$/m],
    ['addition', /^\+.*$/m],
    ['deletion', /^-.*$/m],
  ],
};

const GRAMMARS: Record<string, Grammar> = {};
for (const [grammar, names] of [
  [
    C_LIKE,
    'js javascript jsx mjs ts typescript tsx java c h cpp c++ cs' +
      ' csharp go golang rust rs kotlin kt swift scala php dart',
  ],
  [PYTHON, 'py python'],
  [SHELL, 'sh bash shell zsh console shell-session dockerfile'],
  [YAML, 'yaml yml'],
  [JSON_GRAMMAR, 'json jsonc'],
  [SQL, 'sql postgresql mysql sqlite'],
  [DIFF, 'diff patch'],
] as const) {
  for (const name of names.split(' ')) GRAMMARS[name] = grammar;
}

type Lexer = {
  pattern: RegExp;
  classes: string[];
  keywords: Set<string>;
  literals: Set<string>;
  ignoreCase: boolean;
};
const lexers = new Map<Grammar, Lexer>();

function lexerFor(grammar: Grammar): Lexer {
  let lexer = lexers.get(grammar);
  if (lexer === undefined) {
    const sources = [...grammar.rules.map(([, p]) => p.source), WORD.source];
    lexer = {
      pattern: new RegExp(sources.map((s) => `(${s})`).join('|'), 'gm'),
      classes: grammar.rules.map(([name]) => name),
      keywords: new Set(grammar.keywords?.split(' ')),
      literals: new Set(grammar.literals?.split(' ')),
      ignoreCase: grammar.ignoreCase ?? false,
    };
    lexers.set(grammar, lexer);
  }
  return lexer;
}

function wordClass(word: string, lexer: Lexer): string | null {
  const key = lexer.ignoreCase ? word.toLowerCase() : word;
  if (lexer.keywords.has(key)) return 'keyword';
  if (lexer.literals.has(key)) return 'literal';
  return null;
}

/** The code as React nodes; unknown languages come back as plain text. */
export function highlight(code: string, language: string): ReactNode {
  const grammar = GRAMMARS[language.toLowerCase()];
  if (grammar === undefined) return code;
  const lexer = lexerFor(grammar);
  const nodes: ReactNode[] = [];
  let plainFrom = 0;
  for (const match of code.matchAll(lexer.pattern)) {
    const group = match.findIndex((text, i) => i > 0 && text !== undefined);
    const className =
      group <= lexer.classes.length
        ? lexer.classes[group - 1]
        : wordClass(match[0], lexer);
    if (className === null) continue;
    nodes.push(code.slice(plainFrom, match.index));
    nodes.push(
      createElement(
        'span',
        { key: match.index, className: `hl-${className}` },
        match[0],
      ),
    );
    plainFrom = match.index + match[0].length;
  }
  nodes.push(code.slice(plainFrom));
  return nodes;
}
