// Codec speed: our decode/encode beside fast-xml-parser (XMLParser.parse / XMLBuilder.build) on the
// same messages, in the same run. `node --import tsx bench/index.ts codec`.
//
// What is compared: decode = XML text → typed message (ours) vs XML text → generic JS object (fxp,
// attributes kept, as a CWMP reader needs xsi:type); encode = typed message → XML text (ours) vs the
// fxp object of the same message → XML text (fxp). Each output string is flattened (a rope would
// hide the cost of joining it), times are per message, median of several samples after a warm-up.
// Ours and fxp are sampled in pairs of equal length that take turns going first, and the speed-up
// is the median of the paired ratios. Equal length matters on a shared machine: a short sample
// often slips between bursts of load that a long one averages in. With one call per sample (20 ms
// ours, 250 ms fxp) decoding 10,000 parameters read 13-20× where equal samples read 10-11×.

import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { decode, encode, NS_CWMP_1_2, type Envelope, type ParameterValue } from '../src/cwmp/index.js';

const SIZES = [100, 1_000, 10_000];
const SAMPLES = 15;
const MIN_SAMPLE_MS = 15;

let sink = 0;

/** Forces a (possibly rope) string into one flat buffer, as writing it to a socket would. */
function flatten(s: string): void {
  sink += s.charCodeAt(s.length >> 1);
}

interface Pair {
  /** Median time of one call of ours, µs. */
  ours: number;
  /** Median time of one call of fast-xml-parser, µs. */
  theirs: number;
  /** Median of the per-sample ratios theirs/ours. */
  ratio: number;
  /** First and third quartiles of those ratios (how much the machine moved them). */
  ratioLow: number;
  ratioHigh: number;
}

/** Time of one call of `fn` in ms, from a run of calls lasting at least `ms`. */
function timePerCall(fn: () => void, ms: number): number {
  for (let calls = 1; ; calls *= 2) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const took = performance.now() - t;
    if (took >= ms) return took / calls;
  }
}

function timeOne(fn: () => void, calls: number): number {
  const t = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return ((performance.now() - t) * 1000) / calls;
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.round((xs.length - 1) * q)];
const median = (xs: number[]): number => quantile(xs, 0.5);

/**
 * Times `ours` and `theirs` in paired samples after a warm-up of both. The machine is shared, so
 * the two samples of a pair last about as long (the faster side runs more calls) and take turns
 * going first: a burst of load, or a collection left over by the other side, then hits both alike.
 */
function compare(ours: () => void, theirs: () => void): Pair {
  const warmEnd = performance.now() + 150;
  for (let i = 0; i < 5 || performance.now() < warmEnd; i++) {
    ours();
    theirs();
  }
  // One sample lasts at least MIN_SAMPLE_MS, and at least one call of the slower side.
  const oneOurs = timePerCall(ours, MIN_SAMPLE_MS);
  const oneTheirs = timePerCall(theirs, MIN_SAMPLE_MS);
  const sampleMs = Math.max(MIN_SAMPLE_MS, oneOurs, oneTheirs);
  const perOurs = Math.max(1, Math.round(sampleMs / oneOurs));
  const perTheirs = Math.max(1, Math.round(sampleMs / oneTheirs));
  const a: number[] = [];
  const b: number[] = [];
  const r: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let x: number;
    let y: number;
    if (s % 2 === 0) {
      x = timeOne(ours, perOurs);
      y = timeOne(theirs, perTheirs);
    } else {
      y = timeOne(theirs, perTheirs);
      x = timeOne(ours, perOurs);
    }
    a.push(x);
    b.push(y);
    r.push(y / x);
  }
  return { ours: median(a), theirs: median(b), ratio: median(r), ratioLow: quantile(r, 0.25), ratioHigh: quantile(r, 0.75) };
}

function parameters(n: number): ParameterValue[] {
  const types = ['xsd:string', 'xsd:unsignedInt', 'xsd:boolean', 'xsd:dateTime', 'xsd:int'];
  const out: ParameterValue[] = [];
  for (let i = 0; i < n; i++) {
    const t = types[i % types.length];
    const value =
      t === 'xsd:string'
        ? `eth${i} uplink "wan" & <lan>`.slice(0, 6 + (i % 20))
        : t === 'xsd:boolean'
          ? i % 2 === 0 ? 'true' : 'false'
          : t === 'xsd:dateTime'
            ? '2025-01-02T03:04:05Z'
            : String(i * 7919);
    out.push({ name: `Device.IP.Interface.${(i % 50) + 1}.IPv4Address.${i + 1}.Value${i % 7}`, value, type: t });
  }
  return out;
}

interface Case {
  label: string;
  n: number;
  env: Envelope;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of SIZES) {
    const parameterList = parameters(n);
    out.push({
      label: 'GetParameterValuesResponse',
      n,
      env: { ns: NS_CWMP_1_2, header: { id: 'acs-1a2b3c' }, body: { method: 'GetParameterValuesResponse', parameterList } },
    });
    out.push({
      label: 'SetParameterValues',
      n,
      env: { ns: NS_CWMP_1_2, header: { id: 'acs-1a2b3d' }, body: { method: 'SetParameterValues', parameterList, parameterKey: 'k1' } },
    });
  }
  return out;
}

/** The text cut into `n` flat pieces (copies, so that none is a slice of the whole). */
function splitFlat(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(Buffer.from(text.slice(i, i + size), 'latin1').toString('latin1'));
  return out;
}

const fmt = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const speedUp = (p: Pair): string => `**${p.ratio.toFixed(1)}×** (${p.ratioLow.toFixed(1)}–${p.ratioHigh.toFixed(1)})`;

export async function run(): Promise<void> {
  const parser = new XMLParser({ ignoreAttributes: false });
  const builder = new XMLBuilder({ ignoreAttributes: false });
  const rows: string[] = [];
  const perParam: string[] = [];
  for (const c of cases()) {
    const xml = encode(c.env);
    const check = decode(xml);
    if (!check.ok || check.envelope === null) throw new Error(`bench message does not decode: ${JSON.stringify(check)}`);
    const fxpObject = parser.parse(xml) as unknown;

    const dec = compare(
      () => {
        if (decode(xml).ok) sink++;
      },
      () => {
        sink += parser.parse(xml) === null ? 0 : 1;
      },
    );
    const enc = compare(
      () => flatten(encode(c.env)),
      () => flatten(builder.build(fxpObject) as string),
    );
    // The floor for any encoder: joining ready-made flat pieces (one per parameter) into one string
    // of the same length. Above 128 KiB V8 puts the result in its large-object space, which costs a
    // fresh mapping and page faults per message.
    const pieces = splitFlat(xml, c.n);
    const floor = compare(
      () => flatten(pieces.join('')),
      () => flatten(pieces.join('')),
    ).ours;

    rows.push(
      `| ${c.label} | ${c.n.toLocaleString('en')} | ${(xml.length / 1024).toFixed(0)} KiB | ${fmt(dec.ours)} | ${fmt(dec.theirs)} | ` +
        `${speedUp(dec)} | ${fmt(enc.ours)} | ${fmt(enc.theirs)} | ${speedUp(enc)} | ${fmt(floor)} |`,
    );
    perParam.push(
      `| ${c.label} | ${c.n.toLocaleString('en')} | ${((dec.ours * 1000) / c.n).toFixed(0)} | ${((enc.ours * 1000) / c.n).toFixed(0)} |`,
    );
  }
  console.log(
    `Median time per message over ${SAMPLES} paired samples; speed-up = median of the per-pair ratios, ` +
      'with their quartiles in brackets (fast-xml-parser 5, options { ignoreAttributes: false }).\n',
  );
  console.log(
    '| message | params | size | our decode | fxp parse | decode speed-up | our encode | fxp build | encode speed-up | join floor |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log('\nLinearity: our time per parameter (ns).\n');
  console.log('| message | params | decode ns/param | encode ns/param |');
  console.log('|---|---:|---:|---:|');
  for (const r of perParam) console.log(r);
  console.log(
    '\n"join floor": time to join ready-made flat pieces into one string as long as the message, the ' +
      'least any encoder returning a string pays (strings over 128 KiB go to V8\'s large-object space).',
  );
  if (sink === -1) console.log(''); // keeps the results observable
}
