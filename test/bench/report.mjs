// The last step of `npm run bench`: merges bench-results/*.json into bench-results/summary.md (one table, a
// goal column and pass/fail per goal) and prints it. Files written by writeResults (common.mjs) carry rows;
// for any other JSON the numbers are summarised as they are (no goals). BENCH_STRICT=1 exits 1 when a goal
// fails; by default a failed goal is a finding, not an error.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatValue, machineLine, median, p90, ROOT, verdict } from './common.mjs';

const DIR = path.join(ROOT, 'bench-results');
const ORDER = ['swap', 'watch', 'copy', 'remote', 'watcher', 'oldcli', 'builder', 'plan'];
/** Results older than this relative to the newest are flagged: they come from an earlier run. */
const STALE_MS = 3 * 60 * 60 * 1000;

const isNumArray = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
const isObjArray = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && !Array.isArray(x));

/** Rows for a JSON without `rows`: numbers, numeric arrays (median, p90), arrays of objects per numeric key. */
function genericRows(json, prefix = '', depth = 0) {
  const rows = [];
  for (const [key, v] of Object.entries(json)) {
    const name = `${prefix}${key}`;
    if (typeof v === 'number') rows.push({ measure: name, median: v, p90: null, unit: '' });
    else if (isNumArray(v)) rows.push({ measure: name, median: median(v), p90: p90(v), unit: '' });
    else if (isObjArray(v)) {
      for (const k of Object.keys(v[0])) {
        const xs = v.map((o) => o[k]).filter((x) => typeof x === 'number');
        if (xs.length) rows.push({ measure: `${name}.${k}`, median: median(xs), p90: p90(xs), unit: '' });
      }
    } else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 1) rows.push(...genericRows(v, `${name}.`, depth + 1));
  }
  return rows;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'summary.json');
const benches = files.map((f) => {
  const json = JSON.parse(readFileSync(path.join(DIR, f), 'utf8'));
  const name = json.bench ?? path.basename(f, '.json');
  const rows = Array.isArray(json.rows) ? json.rows : genericRows(json);
  const machine = typeof json.machine === 'object' && json.machine ? machineLine(json.machine) : (json.machine ?? null);
  return { name, rows, date: json.date ?? null, machine, structured: Array.isArray(json.rows) };
}).sort((a, b) => (ORDER.indexOf(a.name) + 1 || 99) - (ORDER.indexOf(b.name) + 1 || 99) || a.name.localeCompare(b.name));

if (!benches.length) {
  console.error(`report: no results in ${DIR}; run the benches first`);
  process.exit(1);
}

const newest = Math.max(...benches.map((b) => (b.date ? Date.parse(b.date) : 0)));
const lines = ['# hotswap bench summary', ''];
const machines = [...new Set(benches.map((b) => b.machine).filter(Boolean))];
for (const b of benches) {
  const stale = !b.date || newest - Date.parse(b.date) > STALE_MS;
  lines.push(`- **${b.name}**: ${b.date ?? 'no date'}${stale ? ' (**stale**: from an earlier run)' : ''}${b.structured ? '' : ' (older result format: numbers as written, no goals)'}${machines.length > 1 && b.machine ? ` · ${b.machine}` : ''}`);
}
if (machines.length === 1) lines.push('', `machine: ${machines[0]}`);
const goals = benches.flatMap((b) => b.rows.filter((r) => r.goal && typeof r.pass === 'boolean').map((r) => ({ bench: b.name, ...r })));
lines.push('', '## Goals (each against its floor, measured in the same run)', '', '| bench | measure | median | p90 | goal | result |', '| --- | --- | ---: | ---: | --- | --- |');
for (const g of goals) lines.push(`| ${g.bench} | ${g.measure} | ${g.text ?? formatValue(g.median, g.unit)} | ${g.text ? '' : formatValue(g.p90, g.unit)} | ${g.goal} | ${verdict(g.pass)} |`);
lines.push('', '## Every measure', '', '| bench | measure | median | p90 | goal | result |', '| --- | --- | ---: | ---: | --- | --- |');
for (const b of benches) {
  for (const r of b.rows) {
    lines.push(`| ${b.name} | ${r.measure} | ${r.text ?? formatValue(r.median, r.unit)} | ${r.text ? '' : formatValue(r.p90, r.unit)} | ${r.goal ?? ''} | ${verdict(r.pass)} |`);
  }
}
const failed = goals.filter((g) => !g.pass);
lines.push('', `**${goals.length - failed.length} of ${goals.length} goals met.**`);
for (const g of failed) lines.push(`- not met: ${g.bench} · ${g.measure}: ${g.text ?? formatValue(g.median, g.unit)} (goal ${g.goal})`);
lines.push('', 'Medians and p90s by rank over the runs of each bench; ratios are median/median (p90/p90 in the p90 column). Every comparison alternated its sides in one run.', '');

const md = lines.join('\n');
writeFileSync(path.join(DIR, 'summary.md'), md);
console.log(md);
if (process.env.BENCH_STRICT === '1' && failed.length) process.exit(1);
