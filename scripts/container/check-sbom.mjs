// Used by scripts/test-container.sh: checks the image's CycloneDX SBOM against what the image
// holds. Usage: node check-sbom.mjs SBOM.json INSTALLED.json package.json
//   SBOM.json       the image's /usr/share/doc/ivs-playback-auth/sbom.cdx.json
//   INSTALLED.json  `name@version` of every package in the image's /app/node_modules
//                   (scripts/container/list-packages.cjs, run inside the image)
// The SBOM must be CycloneDX JSON describing this package and version, list every installed
// package and nothing else (each with an npm purl), and hold no dev dependency. Prints one line;
// exits 1 with the differences otherwise.
import { readFileSync } from 'node:fs';

const [sbomPath, installedPath, manifestPath] = process.argv.slice(2);
const sbom = JSON.parse(readFileSync(sbomPath, 'utf8'));
const installed = new Set(JSON.parse(readFileSync(installedPath, 'utf8')));
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const problems = [];
if (sbom.bomFormat !== 'CycloneDX')
  problems.push(`bomFormat is ${JSON.stringify(sbom.bomFormat)}, not "CycloneDX"`);
if (!/^1\.\d+$/.test(String(sbom.specVersion)))
  problems.push(`specVersion ${JSON.stringify(sbom.specVersion)}`);
const root = sbom.metadata?.component ?? {};
const rootName = root.group ? `${root.group}/${root.name}` : root.name;
if (rootName !== manifest.name || root.version !== manifest.version) {
  problems.push(`describes ${rootName}@${root.version}, not ${manifest.name}@${manifest.version}`);
}

const components = sbom.components ?? [];
const listed = new Set();
for (const component of components) {
  const name = component.group ? `${component.group}/${component.name}` : component.name;
  listed.add(`${name}@${component.version}`);
  if (!String(component.purl ?? '').startsWith('pkg:npm/'))
    problems.push(`${name}@${component.version} has no npm purl`);
}
const missing = [...installed].filter((entry) => !listed.has(entry));
const extra = [...listed].filter((entry) => !installed.has(entry));
if (missing.length > 0) problems.push(`installed but not listed: ${missing.join(', ')}`);
if (extra.length > 0) problems.push(`listed but not installed: ${extra.join(', ')}`);
const nameOf = (entry) => entry.slice(0, entry.lastIndexOf('@'));
const listedNames = new Set([...listed].map(nameOf));
const dev = Object.keys(manifest.devDependencies ?? {}).filter((name) => listedNames.has(name));
if (dev.length > 0) problems.push(`dev dependencies listed: ${dev.join(', ')}`);
const direct = Object.keys(manifest.dependencies ?? {}).filter((name) => !listedNames.has(name));
if (direct.length > 0) problems.push(`dependencies not listed: ${direct.join(', ')}`);

if (problems.length > 0) {
  console.log(`SBOM check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const licensed = components.filter((component) => (component.licenses ?? []).length > 0).length;
console.log(
  `SBOM: CycloneDX ${sbom.specVersion}, ${manifest.name}@${manifest.version}, ${components.length} components = the ${installed.size} packages in /app/node_modules (${licensed} with a licence), no dev dependency`,
);
