// Device.InterfaceStack.{i}: the layering of the interface tables, one row per higher/lower pair:
// IP.Interface → Ethernet.Link (every Ethernet-framed netdev) and Ethernet.Link → Ethernet.Interface
// (ports). HigherAlias/LowerAlias mirror the rows' Alias values, which only the engine holds.
import { resolveDeps, type LinuxDeps } from './deps.js';
import type { ModelBuilder } from './model-api.js';
import { netInterfaces, ref, T } from './shared.js';

export interface StackRow {
  higher: [string, string]; // [table path, key]
  lower: [string, string];
}

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);
  model.table<StackRow>('Device.InterfaceStack.{i}.', {
    list: async (_, ctx) => {
      const rows: Array<{ key: string; row: StackRow }> = [];
      for (const i of await netInterfaces(ctx, d)) {
        if (!i.ethernetFramed) continue;
        rows.push({ key: `ip:${i.name}`, row: { higher: [T.ipInterface, i.name], lower: [T.ethLink, i.name] } });
        if (i.kind === 'ethernet') {
          rows.push({ key: `link:${i.name}`, row: { higher: [T.ethLink, i.name], lower: [T.ethInterface, i.name] } });
        }
      }
      return rows;
    },
    params: {
      HigherLayer: { get: (r, ctx) => ref(ctx, ...r.higher) },
      LowerLayer: { get: (r, ctx) => ref(ctx, ...r.lower) },
    },
  });
}
