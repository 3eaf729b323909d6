// What the machine says about itself: DMI (PCs, servers, VMs), the device tree (ARM boards),
// /etc/machine-id, /etc/os-release, /proc/cpuinfo, the kernel's hostname and release.
// DMI serial numbers are readable by root only: as another user they read as null.
import { parseKeyValue, readLine, readText } from './fs.js';

/** Firmware placeholder strings that identify nothing. */
const PLACEHOLDERS = new Set(
  [
    'to be filled by o.e.m.',
    'to be filled by oem',
    'default string',
    'system product name',
    'system manufacturer',
    'system version',
    'system serial number',
    'chassis serial number',
    'base board serial number',
    'not specified',
    'not applicable',
    'not available',
    'none',
    'n/a',
    'na',
    'unknown',
    'oem',
    'o.e.m.',
    'x.x',
    '0123456789',
    '123456789',
    'type1productconfigid',
    'invalid',
  ].map((s) => s.toLowerCase()),
);

/** Trimmed text, or null for empty strings, placeholders and all-zero/all-F serials. */
export function cleanFirmwareString(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (t === '' || PLACEHOLDERS.has(t.toLowerCase())) return null;
  if (/^[0\s.:-]+$/.test(t) || /^[fF\s.:-]+$/.test(t)) return null;
  return t;
}

export interface DmiInfo {
  sysVendor: string | null;
  productName: string | null;
  productVersion: string | null;
  productSerial: string | null;
  productUuid: string | null;
  boardVendor: string | null;
  boardName: string | null;
  boardVersion: string | null;
  boardSerial: string | null;
  chassisSerial: string | null;
}

export async function readDmi(root = '/'): Promise<DmiInfo> {
  const r = async (f: string) => cleanFirmwareString(await readLine(root, `/sys/class/dmi/id/${f}`));
  return {
    sysVendor: await r('sys_vendor'),
    productName: await r('product_name'),
    productVersion: await r('product_version'),
    productSerial: await r('product_serial'),
    productUuid: await r('product_uuid'),
    boardVendor: await r('board_vendor'),
    boardName: await r('board_name'),
    boardVersion: await r('board_version'),
    boardSerial: await r('board_serial'),
    chassisSerial: await r('chassis_serial'),
  };
}

export interface DeviceTreeInfo {
  /** "Raspberry Pi 4 Model B Rev 1.4" */
  model: string | null;
  serial: string | null;
  /** First "vendor,board" entry of compatible. */
  compatible: string | null;
}

export async function readDeviceTree(root = '/'): Promise<DeviceTreeInfo> {
  const base = '/proc/device-tree';
  const str = async (f: string) => {
    const t = await readText(root, `${base}/${f}`);
    return t === null ? null : cleanFirmwareString(t.split('\0')[0]);
  };
  return { model: await str('model'), serial: await str('serial-number'), compatible: await str('compatible') };
}

/** The 32-hex-digit machine id (systemd, or D-Bus's older copy); null when absent or blank. */
export async function readMachineId(root = '/'): Promise<string | null> {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const line = await readLine(root, p);
    if (line && /^[0-9a-fA-F]{32}$/.test(line) && !/^0+$/.test(line)) return line.toLowerCase();
  }
  return null;
}

export async function readOsRelease(root = '/'): Promise<Map<string, string>> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const t = await readText(root, p);
    if (t !== null) return parseKeyValue(t);
  }
  return new Map();
}

export interface CpuInfo {
  /** "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz", "ARMv7 Processor rev 4 (v7l)", ... */
  model: string | null;
  /** Board serial some ARM kernels put in cpuinfo (Raspberry Pi). */
  serial: string | null;
  count: number;
}

export function parseCpuinfo(text: string): CpuInfo {
  let model: string | null = null;
  let hardware: string | null = null;
  let serial: string | null = null;
  let count = 0;
  for (const line of text.split('\n')) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, k, v] = m;
    if (k === 'processor') count++;
    else if (!model && (k === 'model name' || k === 'cpu model' || k === 'Processor' || k === 'cpu')) model = v.trim() || null;
    else if (k === 'Hardware') hardware = v.trim() || null;
    else if (k === 'Serial') serial = cleanFirmwareString(v);
  }
  return { model: model ?? hardware, serial, count };
}

export async function readCpuinfo(root = '/'): Promise<CpuInfo> {
  const t = await readText(root, '/proc/cpuinfo');
  return t === null ? { model: null, serial: null, count: 0 } : parseCpuinfo(t);
}

export async function readHostname(root = '/'): Promise<string | null> {
  return readLine(root, '/proc/sys/kernel/hostname');
}

export async function readKernelRelease(root = '/'): Promise<string | null> {
  return readLine(root, '/proc/sys/kernel/osrelease');
}
