// Who this device is: the Inform DeviceId (manufacturer, OUI, product class, serial number) and the
// other DeviceInfo facts. Each comes from a settings override when one is set, else from firmware
// tables, else from something stable the OS provides. The DeviceId must not change between
// restarts: every source below is a file that only changes when the hardware or OS changes.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { machine } from 'node:os';
import { resolveDeps, type LinuxDeps, type Resolved } from './deps.js';
import { sysPath } from './readers/fs.js';
import {
  readCpuinfo,
  readDeviceTree,
  readDmi,
  readHostname,
  readKernelRelease,
  readMachineId,
  readOsRelease,
} from './readers/identity.js';
import { truncate } from './shared.js';

/**
 * Default ManufacturerOUI when the `manufacturer-oui` setting is empty. A generic Linux machine has
 * no manufacturer OUI of its own, and borrowing a NIC's OUI would name the NIC maker and change
 * with the NIC. FFFFFF has the IEEE group bit set, so it can never be a real company's OUI; it is
 * also what easycwmp ships with. Operators set their own through `manufacturer-oui`.
 */
export const DEFAULT_OUI = 'FFFFFF';
/** Manufacturer/ProductClass/ModelName when neither settings nor firmware name one. */
export const GENERIC_NAME = 'Linux';

export interface Identity {
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
}

export interface DeviceFacts extends Identity {
  modelName: string;
  description: string;
  hardwareVersion: string;
  softwareVersion: string;
  /** List items for AdditionalSoftwareVersion. */
  additionalSoftware: string[];
  hostName: string;
}

function pick(...xs: Array<string | null | undefined>): string | null {
  for (const x of xs) if (x !== null && x !== undefined && x.trim() !== '') return x.trim();
  return null;
}

// eslint-disable-next-line no-control-regex
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim();

export function normaliseOui(s: string | undefined): string | null {
  const t = (s ?? '').trim().toUpperCase();
  return /^[0-9A-F]{6}$/.test(t) ? t : null;
}

/** Serial from machine-id: its first 16 hex digits, upper-cased (stable for the OS install). */
export function serialFromMachineId(id: string): string {
  return id.slice(0, 16).toUpperCase();
}

async function readFacts(d: Resolved): Promise<DeviceFacts> {
  const s = d.settings();
  const [dmi, dt, cpu, machineId, os, host, kernel] = await Promise.all([
    readDmi(d.root),
    readDeviceTree(d.root),
    readCpuinfo(d.root),
    readMachineId(d.root),
    readOsRelease(d.root),
    readHostname(d.root),
    readKernelRelease(d.root),
  ]);
  const dtVendor = dt.compatible?.includes(',') ? dt.compatible.split(',')[0] : null;
  const hostName = host ?? '';
  const serial =
    pick(
      s['serial-number'],
      dmi.productSerial,
      dmi.chassisSerial,
      dmi.boardSerial,
      dt.serial,
      cpu.serial,
      dmi.productUuid?.toUpperCase(),
      machineId ? serialFromMachineId(machineId) : null,
    ) ??
    // No machine-id (some containers): the host name is the only stable thing left.
    'H' + createHash('sha256').update(hostName).digest('hex').slice(0, 15).toUpperCase();
  const hardware = pick(dmi.productName, dmi.boardName, dt.model);
  const modelName = hardware ?? GENERIC_NAME;
  const osName = pick(os.get('PRETTY_NAME'), [os.get('NAME'), os.get('VERSION_ID')].filter(Boolean).join(' '));
  // "Debian GNU/Linux 12 (bookworm) on VP2410, 4 x Intel(R) Celeron(R) J4125 CPU @ 2.00GHz"
  const description =
    (osName ?? 'Linux') + (hardware ? ` on ${hardware}` : '') + (cpu.model ? `, ${cpu.count || 1} x ${cpu.model}` : '');
  return {
    manufacturer: truncate(clean(pick(s.manufacturer, dmi.sysVendor, dmi.boardVendor, dtVendor, GENERIC_NAME)!), 64),
    oui: normaliseOui(s['manufacturer-oui']) ?? DEFAULT_OUI,
    productClass: truncate(clean(pick(s['product-class'], dmi.productName, dmi.boardName, dt.model, GENERIC_NAME)!), 64),
    serialNumber: truncate(clean(serial), 64),
    modelName: truncate(clean(modelName), 64),
    description: truncate(clean(description), 256),
    hardwareVersion: truncate(clean(pick(dmi.productVersion, dmi.boardVersion, machine())!), 64),
    softwareVersion: truncate(clean(pick(d.softwareVersion, osName, kernel ? `Linux ${kernel}` : null, 'unknown')!), 64),
    additionalSoftware: kernel ? [truncate(`Linux ${kernel}`.replace(/,/g, ' '), 64)] : [],
    hostName: truncate(hostName, 255),
  };
}

/** All DeviceInfo facts (identity included). */
export function readDeviceFacts(deps: LinuxDeps): Promise<DeviceFacts> {
  return readFacts(resolveDeps(deps));
}

/** The Inform DeviceId. */
export async function readIdentity(deps: LinuxDeps): Promise<Identity> {
  const f = await readDeviceFacts(deps);
  return { manufacturer: f.manufacturer, oui: f.oui, productClass: f.productClass, serialNumber: f.serialNumber };
}

/** FirstUseDate: when the OS install first booted (machine-id is written then); null if unknown. */
export async function readFirstUseDate(d: Resolved): Promise<Date | null> {
  try {
    const st = await stat(sysPath(d.root, '/etc/machine-id'));
    // birthtime is 0 where the file system does not record it.
    return st.birthtimeMs > 0 ? st.birthtime : st.mtime;
  } catch {
    return null;
  }
}
