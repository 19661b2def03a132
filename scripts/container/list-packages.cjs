// Run inside the image by scripts/test-container.sh (`node -e "$(cat …)" /app/node_modules`):
// prints, as a JSON array, `name@version` of every package installed under the folder given,
// nested node_modules included. What the SBOM must list, read from the image itself.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const found = new Set();
function walk(folder) {
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.name.startsWith('@')) {
      walk(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name && version) found.add(`${name}@${version}`);
    }
    walk(join(path, 'node_modules'));
  }
}
walk(process.argv[1]);
process.stdout.write(`${JSON.stringify([...found].sort())}\n`);
