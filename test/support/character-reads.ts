// Counting the work a scan does: how many characters code reads one at a time (`String.prototype.charCodeAt`)
// while `work` runs. Node's own internals use their own copy of the method, so only application code counts.
export async function characterReads<T>(work: () => T | Promise<T>): Promise<{ result: T; reads: number }> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was; only ever called with a string for `this`
  const charCodeAt = String.prototype.charCodeAt;
  let reads = 0;
  String.prototype.charCodeAt = function (this: string, index: number) {
    reads++;
    return charCodeAt.call(this, index);
  };
  try {
    return { result: await work(), reads };
  } finally {
    String.prototype.charCodeAt = charCodeAt;
  }
}
