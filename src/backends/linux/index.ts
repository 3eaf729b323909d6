// The Linux device backend: registers every TR-181 area it implements with the data model engine.
import type { LinuxDeps } from './deps.js';
import * as deviceInfo from './deviceinfo.js';
import * as dns from './dns.js';
import * as ethernet from './ethernet.js';
import * as hosts from './hosts.js';
import * as interfaceStack from './interface-stack.js';
import * as ip from './ip.js';
import type { ModelBuilder } from './model-api.js';
import * as routing from './routing.js';
import * as time from './time.js';

export type { IdentitySettings, LinuxDeps } from './deps.js';
export { readDeviceFacts, readIdentity, DEFAULT_OUI, type DeviceFacts, type Identity } from './identity.js';

export function registerLinuxBackend(model: ModelBuilder, deps: LinuxDeps): void {
  deviceInfo.register(model, deps);
  time.register(model, deps);
  ethernet.register(model, deps);
  ip.register(model, deps);
  routing.register(model, deps);
  dns.register(model, deps);
  hosts.register(model, deps);
  interfaceStack.register(model, deps);
}
