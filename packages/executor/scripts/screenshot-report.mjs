#!/usr/bin/env node
/**
 * The picture of a report comment in the executor's README (docs/report-comment.png), from a real run:
 * a repository of real modules (`realModuleRepo`) is applied, then a pull request that moves, imports,
 * forgets, replaces and deletes is planned with `gantry run --report`; the comment is rendered with a
 * CommonMark parser, styled like a GitHub comment (the first plan block opened), and photographed with
 * headless Chromium.
 *
 * Usage (after `pnpm build`, with the pinned tools from scripts/tools-env.sh and Debian's chromium):
 *   node packages/executor/scripts/screenshot-report.mjs [--chromium /usr/bin/chromium] [--out FILE] [--markdown FILE]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import MarkdownIt from "markdown-it";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const { values } = parseArgs({
  options: {
    chromium: { type: "string", default: "/usr/bin/chromium" },
    out: { type: "string", default: join(here, "../docs/report-comment.png") },
    markdown: { type: "string" },
  },
});

async function commentFromRealRun() {
  const { commitRealModulePullRequest, createTempGitRepo, realModulePullRequestArgs, realModuleRepo } = await import(
    pathToFileURL(join(root, "packages/testkit/dist/index.js")).href
  );
  const fixture = realModuleRepo({ environments: ["dev", "prod"], chainLength: 3 });
  const repo = createTempGitRepo({});
  const work = mkdtempSync(join(tmpdir(), "gantry-screenshot-"));
  try {
    const { root: empty, initial } = commitRealModulePullRequest(repo, fixture);
    const gantry = (...args) =>
      execFileSync(process.execPath, [join(root, "packages/cli/dist/bin.js"), ...args], {
        cwd: work,
        env: { ...process.env, GANTRY_STATE_DIR: join(work, "state"), GITHUB_ACTIONS: "" },
        stdio: ["ignore", "ignore", "inherit"],
      });
    gantry("run", "--repo", repo.dir, "--base", empty, "--head", initial, "--event", "push");
    const comment = join(work, "comment.md");
    gantry("run", ...realModulePullRequestArgs(repo.dir), "--report", comment);
    return readFileSync(comment, "utf8");
  } finally {
    repo.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

/** GitHub colours a `diff` block's lines by their first character. */
function colourDiffs(html) {
  return html.replace(/<code class="language-diff">([\s\S]*?)<\/code>/g, (_, body) => {
    const lines = body.split("\n").map((line) => {
      const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("!") ? "chg" : "";
      return kind ? `<span class="${kind}">${line}</span>` : line;
    });
    return `<code class="language-diff">${lines.join("\n")}</code>`;
  });
}

const css = `
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
.comment { max-width: 940px; margin: 16px auto; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; border-radius: 6px 6px 0 0; color: #59636e; }
.body { padding: 8px 16px 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; } h3 { font-size: 1.25em; } h4 { font-size: 1em; margin: 16px 0 4px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: rgba(129,139,152,.12); padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: hidden; } pre code { background: none; padding: 0; white-space: pre; }
.add { color: #116329; background: #dafbe1; display: inline-block; width: 100%; } .del { color: #82071e; background: #ffebe9; display: inline-block; width: 100%; } .chg { color: #953800; background: #fff1e5; display: inline-block; width: 100%; }
table { border-collapse: collapse; } th, td { border: 1px solid #d1d9e0; padding: 4px 10px; } tr:nth-child(2n) { background: #f6f8fa; }
blockquote { border-left: .25em solid #9a6700; margin: 0; padding: 0 1em; color: #1f2328; } .alert { color: #9a6700; }
details summary { cursor: pointer; } ul { padding-left: 2em; }
`;

const markdown = values.markdown ? readFileSync(values.markdown, "utf8") : await commentFromRealRun();
let html = colourDiffs(new MarkdownIt({ html: true }).render(markdown));
html = html.replace("<details><summary>Plan of", "<details open><summary>Plan of"); // show one plan in the picture
// GitHub shows `> [!WARNING]` as an alert box titled "Warning".
html = html.replace(
  /<blockquote>\n<p>\[!WARNING\]\n?/g,
  '<blockquote class="warning"><p><b class="alert">⚠ Warning</b><br>',
);
const page = `<!doctype html><meta charset="utf-8"><style>${css}</style><div class="comment"><div class="header"><b>gantry-bot</b> commented</div><div class="body">${html}</div></div>`;
const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const tab = await browser.newPage({ viewport: { width: 980, height: 1500 }, deviceScaleFactor: 1 });
  await tab.setContent(page);
  mkdirSync(dirname(values.out), { recursive: true });
  await tab.screenshot({ path: values.out, clip: { x: 0, y: 0, width: 980, height: 1500 } });
} finally {
  await browser.close();
}
process.stdout.write(`wrote ${values.out}\n`);
