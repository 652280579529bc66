// Rebuilds the library into a temporary directory and fails when the result
// differs from the committed dist/, so dist/ never drifts from src/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "linkup-dist-"));
try {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--outDir", tmp], { stdio: "inherit" });
  const want = files(tmp);
  const have = files(join(root, "dist"));
  const problems = [];
  for (const f of new Set([...want, ...have])) {
    if (!want.includes(f)) problems.push(`dist/${f}: not built from src (stale file)`);
    else if (!have.includes(f)) problems.push(`dist/${f}: missing`);
    else if (!readFileSync(join(tmp, f)).equals(readFileSync(join(root, "dist", f)))) problems.push(`dist/${f}: differs`);
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error("dist/ is out of date: run `npm run build` and commit dist/");
    process.exit(1);
  }
  console.log(`dist/ matches src/ (${want.length} files)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function files(dir, base = dir) {
  let out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(files(p, base));
    else out.push(relative(base, p));
  }
  return out.sort();
}
