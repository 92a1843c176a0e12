/** `size` bytes of a fixed pattern, the same in every process. */
export function pattern(size) {
  return new Uint8Array(size).map((_, i) => (i * 13 + (i >> 10)) & 0xff);
}
