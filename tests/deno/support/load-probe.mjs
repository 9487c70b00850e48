// Run with `deno run` and no permission flags: loading must not need --allow-read.
import { version, Wire } from '../../../pkg/deno.mjs';
const [event] = new Wire('server', {}, { open: true })
  .receive(Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58));
console.log(`${version()} ${event.type} ${new TextDecoder().decode(event.data)}`);
