// Compare `openspec validate --all --strict --json` with `specls check --format json` on one
// OpenSpec project. Usage: node compare.mjs <project> <openspec.json> <specls.json>
//
// Every validator finding (ERROR and WARNING: what --strict rejects) must have a specls
// diagnostic in the same file whose message starts with the finding's leading text (its first
// sentence), or one allowed by MAPPINGS below, at the same level unless the mapping says
// otherwise, and on the validator's line when it gives one. INFO findings are matched the same
// way and shown, but do not fail the check. specls diagnostics of `openspec/` rules that match no
// finding are listed as specls-only (specls reports every archive refusal, the validator the
// first per file; it also checks a few things the validator does not).

import fs from 'node:fs';
import path from 'node:path';

const [project, oracleFile, speclsFile] = process.argv.slice(2);
const oracle = JSON.parse(fs.readFileSync(oracleFile, 'utf8'));
const specls = JSON.parse(fs.readFileSync(speclsFile, 'utf8'));

const LEVEL = { ERROR: 'error', WARNING: 'warning', INFO: 'info' };
const SEVERITY = { error: 'error', warning: 'warning', information: 'info', info: 'info', hint: 'hint' };

// Findings a shared specls rule reports in its own words. `levels: false` means the level is
// allowed to differ (the reason is in docs/diagnostics/openspec.md).
const MAPPINGS = [
  {
    // The validator throws when a section is missing; `missing-section` (a warning for every
    // format) reports it. An empty Purpose is `openspec/spec-structure`'s, with the same words.
    upstream: /^Spec must have a (Purpose|Requirements) section/,
    accept: (m, d, lead) =>
      d.message.startsWith(lead) || (d.code === 'missing-section' && d.message.includes('`## ' + m[1] + '`')),
    levels: false,
  },
  {
    // A main-spec requirement without a scenario is reported twice by the validator, as a schema
    // error and as a warning with format guidance; specls reports it once, as the error.
    upstream: /^Requirement must have at least one scenario\. Scenarios must use level-4 headers/,
    accept: (_m, d) => d.code === 'openspec/requirement-scenario',
    levels: false,
  },
  {
    upstream: /^Requirement header "### Requirement:\s*(.+?)\s*" duplicates the requirement/,
    accept: (m, d) => d.code === 'duplicate-id' && d.message.includes('`' + m[1] + '`'),
    levels: true,
  },
  {
    upstream: /^Task ID "(.+?)" is duplicated/,
    accept: (m, d) => d.code === 'duplicate-id' && d.message.includes('`' + m[1] + '`'),
    levels: false,
  },
  {
    // A misplaced `### Scenario:` is explained by `openspec/scenario-level`.
    upstream: /^Header "### Scenario:/i,
    accept: (_m, d) => d.code === 'openspec/scenario-level',
    levels: false,
  },
  {
    // Archive refusals are information in the validator and errors in specls, which reports
    // them while the change is written (removed-not-found mirrors archive's warning).
    upstream: /^Archive would refuse this delta: /,
    accept: (_m, d, lead) => d.message.startsWith(lead),
    levels: false,
  },
];

/** The finding's leading text: its first sentence. */
function leading(message) {
  const cut = message.indexOf('. ');
  return cut === -1 ? message : message.slice(0, cut);
}

const exists = (relative) => fs.existsSync(path.join(project, relative));

/** The files (relative to the project) a finding may be reported in. */
function candidates(item, issue) {
  if (item.type === 'spec') return [`openspec/specs/${item.id}/spec.md`];
  const change = `openspec/changes/${item.id}`;
  const p = issue.path ?? '';
  if (p.endsWith('.md')) {
    return [`${change}/specs/${p}`, `${change}/${p}`].filter(exists);
  }
  // A finding about the whole change ("file", ".openspec.yaml", "specs"): any of its files.
  return [`${change}/`];
}

const byFile = new Map();
for (const d of specls.diagnostics) {
  const rel = path.relative(project, path.resolve(project, d.path)).split(path.sep).join('/');
  d.rel = rel;
  if (!byFile.has(rel)) byFile.set(rel, []);
  byFile.get(rel).push(d);
}
const inFiles = (files) =>
  files.flatMap((f) => (f.endsWith('/') ? [...byFile].filter(([k]) => k.startsWith(f)).flatMap(([, v]) => v) : byFile.get(f) ?? []));

const rows = [];
const used = new Set();
let failures = 0;
for (const item of oracle.items) {
  for (const issue of item.issues) {
    const files = candidates(item, issue);
    const lead = leading(issue.message);
    const mapping = MAPPINGS.find((m) => m.upstream.test(issue.message));
    const match = mapping ? issue.message.match(mapping.upstream) : null;
    const pool = inFiles(files);
    const accepts = (d) => (mapping ? mapping.accept(match, d, lead) : d.message.startsWith(lead));
    // Prefer a diagnostic no other finding took (several findings share a leading text), then
    // the validator's line.
    const onLine = (d) => issue.line == null || d.line === issue.line;
    const found =
      pool.find((d) => !used.has(d) && accepts(d) && onLine(d)) ??
      pool.find((d) => !used.has(d) && accepts(d)) ??
      pool.find((d) => accepts(d) && onLine(d)) ??
      pool.find(accepts);
    const level = LEVEL[issue.level] ?? issue.level;
    let result;
    if (!found) result = 'MISSING';
    else if (issue.line != null && found.line !== issue.line) result = 'LINE';
    else if ((!mapping || mapping.levels) && SEVERITY[found.severity] !== level) result = 'LEVEL';
    else result = 'ok';
    if (found) used.add(found);
    const required = issue.level !== 'INFO';
    if (result !== 'ok' && required) failures++;
    rows.push({
      result: result === 'ok' || required ? result : `${result} (info)`,
      level,
      file: files[0] ?? `openspec/changes/${item.id}/${issue.path}`,
      line: issue.line ?? '-',
      message: issue.message,
      specls: found ? `${found.code} ${SEVERITY[found.severity]} :${found.line}` : '-',
    });
  }
}

const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s).replaceAll('|', '\\|').replaceAll('\n', ' ');
console.log(`validator: ${oracle.summary?.totals?.items ?? '?'} items, ${rows.length} findings`);
console.log('');
console.log('| result | level | file | line | validator says | specls |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.result} | ${r.level} | ${clip(r.file, 70)} | ${r.line} | ${clip(r.message, 90)} | ${r.specls} |`);
}

const extra = specls.diagnostics.filter((d) => d.code.startsWith('openspec/') && !used.has(d));
const extraByCode = {};
for (const d of extra) extraByCode[d.code] = (extraByCode[d.code] ?? 0) + 1;
console.log('');
console.log(
  `specls-only openspec/ diagnostics: ${extra.length}` +
    (extra.length ? ` (${Object.entries(extraByCode).map(([c, n]) => `${c} ${n}`).join(', ')})` : ''),
);
for (const d of extra) console.log(`  ${d.rel}:${d.line} ${d.code} ${clip(d.message, 110)}`);

const matched = rows.filter((r) => r.result === 'ok').length;
console.log('');
console.log(`${matched}/${rows.length} validator findings matched; ${failures} required mismatches`);
process.exit(failures === 0 ? 0 : 1);
