// Device.DeviceInfo: identity, versions, uptime, memory, CPU and processes, temperatures.
import { resolveDeps, type LinuxDeps, type Resolved } from './deps.js';
import { readDeviceFacts, readFirstUseDate, type DeviceFacts } from './identity.js';
import type { ModelBuilder, ReadContext } from './model-api.js';
import type { CpuUsage } from './readers/cpu.js';
import { readMeminfo, readRootStorage } from './readers/meminfo.js';
import { readProcesses, type ProcessInfo } from './readers/processes.js';
import { readTemperatures, type TemperatureReading } from './readers/thermal.js';
import { snapshot, truncate, uint32, UNKNOWN_TIME, uptime, VOLATILE_TTL_MS } from './shared.js';

const facts = (ctx: ReadContext, deps: LinuxDeps): Promise<DeviceFacts> =>
  ctx.cache('linux:facts', () => readDeviceFacts(deps));
const cpuUsage = (ctx: ReadContext, d: Resolved): Promise<CpuUsage[] | null> =>
  ctx.cache('linux:cpu', () => d.state.cpu.usage());

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);
  const fact = (k: keyof Omit<DeviceFacts, 'additionalSoftware'>) => ({
    get: async (_: unknown, ctx: ReadContext) => (await facts(ctx, deps))[k],
  });

  model.object('Device.DeviceInfo.', {
    params: {
      Manufacturer: fact('manufacturer'),
      ManufacturerOUI: fact('oui'),
      ModelName: fact('modelName'),
      Description: fact('description'),
      ProductClass: fact('productClass'),
      SerialNumber: fact('serialNumber'),
      HardwareVersion: fact('hardwareVersion'),
      SoftwareVersion: fact('softwareVersion'),
      AdditionalSoftwareVersion: { get: async (_, ctx) => (await facts(ctx, deps)).additionalSoftware.join(',') },
      HostName: fact('hostName'),
      UpTime: { get: async (_, ctx) => uint32((await uptime(ctx, d)) ?? 0) },
      FirstUseDate: { get: async () => (await readFirstUseDate(d)) ?? UNKNOWN_TIME },
    },
  });

  const mem = (ctx: ReadContext) => ctx.cache('linux:mem', () => readMeminfo(d.root));
  const disk = (ctx: ReadContext) => ctx.cache('linux:disk', () => readRootStorage(d.root));
  model.object('Device.DeviceInfo.MemoryStatus.', {
    params: {
      Total: { get: async (_, ctx) => uint32((await mem(ctx))?.totalKiB ?? 0) },
      Free: { get: async (_, ctx) => uint32((await mem(ctx))?.freeKiB ?? 0) },
      TotalPersistent: { get: async (_, ctx) => uint32((await disk(ctx))?.totalKiB ?? 0) },
      FreePersistent: { get: async (_, ctx) => uint32((await disk(ctx))?.freeKiB ?? 0) },
    },
  });

  model.object('Device.DeviceInfo.ProcessStatus.', {
    params: {
      CPUUsage: { get: async (_, ctx) => (await cpuUsage(ctx, d))?.[0]?.busy ?? 0 },
    },
  });

  model.table<CpuUsage>('Device.DeviceInfo.ProcessStatus.CPU.{i}.', {
    list: async (_, ctx) => ((await cpuUsage(ctx, d)) ?? []).slice(1).map((c) => ({ key: c.name, row: c })),
    params: {
      Name: { get: (c) => c.name },
      UpTime: { get: async (_, ctx) => uint32((await uptime(ctx, d)) ?? 0) },
      UserModeUtilization: { get: (c) => c.user },
      SystemModeUtilization: { get: (c) => c.system },
      IdleModeUtilization: { get: (c) => c.idle },
      CPUUtilization: { get: (c) => c.busy },
    },
  });

  model.table<ProcessInfo>('Device.DeviceInfo.ProcessStatus.Process.{i}.', {
    ephemeral: true,
    // pid + start time: a reused pid is a new row, not the old one changed.
    list: async () =>
      (await snapshot(d, 'processes', VOLATILE_TTL_MS, () => readProcesses(d.root))).map((p) => ({
        key: `${p.pid}@${p.startTicks}`,
        row: p,
      })),
    params: {
      PID: { get: (p) => p.pid },
      Command: { get: (p) => truncate(p.command, 256) },
      Size: { get: (p) => uint32(p.sizeKiB) },
      Priority: { get: (p) => p.priority },
      CPUTime: { get: (p) => uint32(p.cpuTimeMs) },
      State: { get: (p) => p.state },
    },
  });

  model.table<SensorRow>('Device.DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.', {
    list: async (_, ctx) => (await sensors(ctx, d)).map((r) => ({ key: r.name, row: r })),
    params: {
      Enable: { get: (r) => r.enabled },
      Status: { get: (r) => (!r.enabled ? 'Disabled' : r.celsius === null ? 'Error' : 'Enabled') },
      Name: { get: (r) => truncate(r.name, 256) },
      Value: { get: (r) => r.celsius ?? -274 },
      LastUpdate: { get: (r) => r.readAt },
      ResetTime: { get: (r) => r.since },
      MinValue: { get: (r) => r.min ?? -274 },
      MinTime: { get: (r) => r.minAt ?? UNKNOWN_TIME },
      MaxValue: { get: (r) => r.max ?? -274 },
      MaxTime: { get: (r) => r.maxAt ?? UNKNOWN_TIME },
    },
  });
}

interface SensorRow extends TemperatureReading {
  readAt: Date;
  since: Date;
  min: number | null;
  minAt: Date | null;
  max: number | null;
  maxAt: Date | null;
}

/** Readings plus the extremes seen since the agent started (TR-181 Min/MaxValue since reset). */
function sensors(ctx: ReadContext, d: Resolved): Promise<SensorRow[]> {
  return ctx.cache('linux:sensors', async () => {
    const now = d.now();
    return (await readTemperatures(d.root)).map((r): SensorRow => {
      let t = d.state.sensors.get(r.name);
      if (r.celsius !== null) {
        if (!t) {
          t = { min: r.celsius, minAt: now, max: r.celsius, maxAt: now, since: now };
          d.state.sensors.set(r.name, t);
        }
        if (r.celsius < t.min) Object.assign(t, { min: r.celsius, minAt: now });
        if (r.celsius > t.max) Object.assign(t, { max: r.celsius, maxAt: now });
      }
      return {
        ...r,
        readAt: now,
        since: t?.since ?? now,
        min: t?.min ?? null,
        minAt: t?.minAt ?? null,
        max: t?.max ?? null,
        maxAt: t?.maxAt ?? null,
      };
    });
  });
}
