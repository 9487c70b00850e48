// The browser's WebSocketClientFactory: the Node client factory's session parameters and
// option names, limited to what a page controls. The browser sends its own Origin and
// User-Agent and no other headers, picks its own proxy, and does the wire work itself.

import { WebSocketClientFactory as CoreClientFactory, VERSION } from '../factory.mjs';
import { WebSocketClientProtocol } from './protocol.mjs';
import { browserDefaults, checkBrowserOptions } from './options.mjs';

const DEFAULT_USERAGENT = `wasmsocket/${VERSION}`;

export class WebSocketClientFactory extends CoreClientFactory {
  protocol = WebSocketClientProtocol;

  /** `url` is a ws:// or wss:// URL; of the options, only `protocols` applies in a browser. */
  constructor(url = null, ...rest) {
    super(url, ...rest);
    this.protocolOptions = browserDefaults();
  }

  setSessionParameters(url = null, origin = null, protocols = [], useragent = DEFAULT_USERAGENT, headers = {}, proxy = null) {
    const refused = [];
    if (origin !== null && origin !== undefined) refused.push('origin (the browser sends the page\'s)');
    if (useragent !== null && useragent !== undefined && useragent !== DEFAULT_USERAGENT) refused.push('useragent (the browser sends its own)');
    if (headers && Object.keys(headers).length) refused.push('headers (a page cannot add handshake headers)');
    if (proxy !== null && proxy !== undefined) refused.push('proxy (the browser picks its proxy)');
    if (refused.length) throw new TypeError(`not settable in a browser: ${refused.join(', ')}`);
    super.setSessionParameters(url, null, protocols, null, {}, null);
    if (this.host.startsWith('unix:')) throw new TypeError('a browser cannot connect to a Unix socket');
  }

  /** Changes protocol options: only those that apply in a browser (BROWSER_OPTIONS); the others throw, saying why. */
  setProtocolOptions(options) {
    checkBrowserOptions(options);
    Object.assign(this.protocolOptions, options);
  }

  resetProtocolOptions() {
    this.protocolOptions = browserDefaults();
  }
}
