// The parts of undici the client uses (Client, Agent, buildConnector, Dispatcher#request), loaded
// from undici's own files instead of its index, which also loads fetch, WebSocket, the cache, mocks…
// and, through `globalThis.Headers`, Node's bundled copy of undici with its own WASM parser.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));

export const Client = require('undici/lib/dispatcher/client.js');
export const Agent = require('undici/lib/dispatcher/agent.js');
export const buildConnector = require('undici/lib/core/connect.js');
