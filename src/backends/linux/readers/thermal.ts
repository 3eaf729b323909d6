// Temperature sensors: /sys/class/thermal/thermal_zone* and /sys/class/hwmon/hwmon*/temp*_input.
// Both report millidegrees Celsius. Many VMs and containers have neither: the list is then empty.
import { listDir, readInt, readLine } from './fs.js';

export interface TemperatureReading {
  /** Unique, stable name: "thermal_zone0 (x86_pkg_temp)", "coretemp Core 0", ... */
  name: string;
  /** Whole degrees Celsius, or null when the sensor could not be read. */
  celsius: number | null;
  enabled: boolean;
}

function toCelsius(milli: number | null): number | null {
  return milli === null ? null : Math.round(milli / 1000);
}

export async function readThermalZones(root = '/'): Promise<TemperatureReading[]> {
  const out: TemperatureReading[] = [];
  for (const zone of await listDir(root, '/sys/class/thermal')) {
    if (!/^thermal_zone\d+$/.test(zone)) continue; // skip cooling_device*
    const dir = `/sys/class/thermal/${zone}`;
    const type = await readLine(root, `${dir}/type`);
    const mode = await readLine(root, `${dir}/mode`);
    out.push({
      name: type ? `${zone} (${type})` : zone,
      celsius: toCelsius(await readInt(root, `${dir}/temp`)),
      enabled: mode !== 'disabled',
    });
  }
  return out;
}

export async function readHwmon(root = '/'): Promise<TemperatureReading[]> {
  const out: TemperatureReading[] = [];
  for (const hw of await listDir(root, '/sys/class/hwmon')) {
    const dir = `/sys/class/hwmon/${hw}`;
    const chip = (await readLine(root, `${dir}/name`)) ?? hw;
    const inputs = (await listDir(root, dir))
      .map((f) => /^temp(\d+)_input$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    for (const m of inputs) {
      const label = (await readLine(root, `${dir}/temp${m[1]}_label`)) ?? `temp${m[1]}`;
      out.push({ name: `${chip} ${label}`, celsius: toCelsius(await readInt(root, `${dir}/${m[0]}`)), enabled: true });
    }
  }
  return out;
}

/** All sensors, names made unique (two identical chips get " #2" appended). */
export async function readTemperatures(root = '/'): Promise<TemperatureReading[]> {
  const all = [...(await readThermalZones(root)), ...(await readHwmon(root))];
  const seen = new Map<string, number>();
  return all.map((r) => {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    return n === 1 ? r : { ...r, name: `${r.name} #${n}` };
  });
}
