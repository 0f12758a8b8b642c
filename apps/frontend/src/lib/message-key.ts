let counter = 0;

/** A React key unique within this page. */
export function newMessageKey(): string {
  counter += 1;
  return `m${counter}`;
}
