/**
 * One unmasked WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, the payload length in 7,
 * 16 or 64 bits), header and UTF-8 payload in a single buffer: what a server sends. ws writes
 * a header and a payload apart (a corked pair, one writev); a frame made whole is one write,
 * measured in docs/performance.md.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}
