import type { Nodes, PhrasingContent, Root } from 'mdast';

/**
 * Keeps single line breaks in text (poems, addresses), as chat UIs and
 * remark-breaks do: each newline inside a text node becomes a `break`.
 * Code is untouched, its nodes are not `text`.
 */
export function remarkBreaks() {
  return (tree: Root) => splitLines(tree);
}

function splitLines(node: Nodes): void {
  if (!('children' in node)) return;
  const children: Nodes[] = node.children.flatMap((child): Nodes[] => {
    if (child.type !== 'text') {
      splitLines(child);
      return [child];
    }
    return child.value
      .split(/\r?\n|\r/)
      .flatMap((value, index): PhrasingContent[] =>
        index === 0
          ? [{ type: 'text', value }]
          : [{ type: 'break' }, { type: 'text', value }],
      );
  });
  // Text only sits where phrasing content may, so the parent accepts breaks.
  node.children = children as typeof node.children;
}
