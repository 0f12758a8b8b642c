let counter = 0;

/** A key unique within this page; messages need no global identity. */
export function newMessageId(): string {
  counter += 1;
  return `m${counter}`;
}
