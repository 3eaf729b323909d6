// Shared by the data model and RPC tests: temp state files and small fake backends.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, type Model, type ModelBuilder, type ModelOptions } from '../../src/datamodel/index.js';

export async function tempStatePath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'tr069-dm-')), 'model.json');
}

export interface Warning {
  msg: string;
  obj: object;
}

/** A loaded model with `register` applied; warnings are collected instead of printed. */
export async function makeModel(
  register: (b: ModelBuilder) => void = () => undefined,
  opts: Partial<ModelOptions> & { statePath?: string } = {},
): Promise<{ model: Model; statePath: string; warnings: Warning[] }> {
  const statePath = opts.statePath ?? (await tempStatePath());
  const warnings: Warning[] = [];
  const model = createModel({ ...opts, statePath, log: { warn: (obj, msg) => warnings.push({ obj, msg }) } });
  register(model.builder);
  await model.load();
  return { model, statePath, warnings };
}

export interface FakeIface {
  name: string;
  enable: boolean;
  mtu: number;
  addrs: string[];
}

/**
 * A tiny in-memory IP backend: Device.IP.Interface.{i}. (keys = names) with nested IPv4Address
 * rows, writable Enable/MaxMTUSize, add/remove; plus DeviceInfo identity parameters.
 */
export class FakeDevice {
  ifaces: FakeIface[] = [
    { name: 'lo', enable: true, mtu: 65535, addrs: ['127.0.0.1'] },
    { name: 'eth0', enable: true, mtu: 1500, addrs: ['192.0.2.2', '192.0.2.3'] },
  ];
  softwareVersion = '1.0.0';
  upTime = 10;
  sets: string[] = [];
  /** Name of a parameter whose setter throws (to test rollback). */
  failSet?: string;
  /** Value that makes the MaxMTUSize setter throw. */
  failMtu?: number;
  /** Makes remove() throw. */
  failRemove = false;
  lists = 0;
  nextId = 1;

  register(b: ModelBuilder): void {
    b.object('Device.DeviceInfo.', {
      params: {
        Manufacturer: { get: () => 'Acme' },
        ManufacturerOUI: { get: () => '00AABB' },
        ProductClass: { get: () => 'Box' },
        SerialNumber: { get: () => 'SN1' },
        HardwareVersion: { get: () => 'hw1' },
        SoftwareVersion: { get: () => this.softwareVersion },
        UpTime: { get: () => this.upTime },
      },
    });
    b.table<FakeIface>('Device.IP.Interface.{i}.', {
      list: () => {
        this.lists++;
        return this.ifaces.map((i) => ({ key: i.name, row: i }));
      },
      params: {
        Name: { get: (i) => i.name },
        Enable: {
          get: (i) => i.enable,
          set: (i, v) => {
            if (this.failSet === `${i.name}.Enable`) throw new Error('device refused');
            this.sets.push(`${i.name}.Enable=${String(v)}`);
            i.enable = v as boolean;
          },
        },
        MaxMTUSize: {
          get: (i) => i.mtu,
          set: (i, v) => {
            if (v === this.failMtu) throw new Error('mtu refused');
            this.sets.push(`${i.name}.MaxMTUSize=${String(v)}`);
            i.mtu = v as number;
          },
          needsReboot: true,
        },
      },
      add: () => {
        const name = `x${this.nextId++}`;
        this.ifaces.push({ name, enable: false, mtu: 1500, addrs: [] });
        return name;
      },
      remove: (key) => {
        if (this.failRemove) throw new Error('interface busy');
        this.ifaces = this.ifaces.filter((i) => i.name !== key);
      },
    });
    b.table<string, FakeIface>('Device.IP.Interface.{i}.IPv4Address.{i}.', {
      list: (iface) => iface.addrs.map((a) => ({ key: a, row: a })),
      params: { IPAddress: { get: (a) => a } },
    });
  }
}
