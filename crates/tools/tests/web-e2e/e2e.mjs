// End-to-end test of the web interface in headless Chromium.
//
//   node e2e.mjs BASE_URL OUT_DIR [SVG_FILE [WEBLIST_FILE...]]
//
// BASE_URL serves the fixture written by crates/tools/tests/integration/web.rs
// (functions, files, labels, comments, mapping and build id carrying script
// injections). Prints one line per check and a JSON summary; exits 1 when a
// check fails, a console error or page error shows, or a dialog opens.
// The downloaded profile is saved as OUT_DIR/profile.pb.gz for the caller
// to decode. SVG_FILE, a `pprof-tools -svg` output, is checked for pan and
// zoom on its own. Each WEBLIST_FILE, a `pprof-tools -weblist` page, is
// checked for injected elements and, when it has lines with code, for
// their instructions opening and closing on a click.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [base, outDir, svgFile, ...weblistFiles] = process.argv.slice(2);
if (!base || !outDir) {
  console.error("usage: node e2e.mjs BASE_URL OUT_DIR");
  process.exit(2);
}
const VIEWS = ["flamegraph", "graph", "top", "peek", "source", "disasm", "tags"];
const failures = [];
const errors = [];
const dialogs = [];
function check(name, ok, detail) {
  console.log((ok ? "ok   " : "FAIL ") + name + (detail === undefined ? "" : ": " + JSON.stringify(detail)));
  if (!ok) { failures.push(name); }
}

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pprof-tools-e2e-"));
const context = await chromium.launchPersistentContext(userDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1280, height: 900 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const page = context.pages()[0] || await context.newPage();
page.on("console", (m) => { if (m.type() === "error") { errors.push(m.text()); } });
page.on("pageerror", (e) => errors.push(String(e)));
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
const url = (p) => base + "/ui/" + p;

try {
  // Every view loads, with no script but ours and no injected element.
  for (const v of VIEWS) {
    const r = await page.goto(url(v), { waitUntil: "load" });
    const scripts = await page.$$eval("script", (s) => s.map((e) => e.getAttribute("src") || e.type));
    const injected = await page.$$eval("img, iframe, object, embed", (e) => e.length);
    const links = await page.$$eval("[href], [*|href]", (els) => els.map((e) =>
      e.getAttribute("href") || e.getAttribute("xlink:href") || "").filter((h) => /^\s*javascript:/i.test(h)));
    check("view " + v + " loads", r.status() === 200, r.status());
    check("view " + v + " runs only its own script", scripts.every((s) => s === "static/app.js" || s === "application/json"), scripts);
    check("view " + v + " has no injected element or javascript: link", injected === 0 && links.length === 0, { injected, links });
  }
  const csp = (await (await page.goto(url("top"))).allHeaders())["content-security-policy"] || "";
  check("pages carry a Content-Security-Policy without inline scripts", /script-src 'self'/.test(csp) && !/unsafe-inline[^;]*;/.test(csp.split("script-src")[1].split(";")[0] + ";"), csp);

  // Flame graph: a click on a frame zooms it to the full width.
  await page.goto(url("flamegraph"));
  const flameWidth = await page.$eval("#flame", (e) => e.clientWidth);
  const target = await page.$$eval("#flame .frame", (els) => {
    const f = els.map((e) => ({ i: e.dataset.i, w: e.getBoundingClientRect().width, t: e.textContent }))
      .filter((f) => f.i !== "0" && f.w < 600 && f.w > 20);
    return f[0];
  });
  check("flame graph has a narrow frame to zoom", !!target, target);
  if (target) {
    await page.click(`#flame .frame[data-i="${target.i}"]`);
    const after = await page.$eval(`#flame .frame[data-i="${target.i}"]`, (e) => e.getBoundingClientRect().width);
    check("flame graph zooms on click", Math.abs(after - flameWidth) < 2, { before: target.w, after, flameWidth });
    const unzoom = await page.isVisible("#unzoom");
    check("flame graph offers to reset the zoom", unzoom);
  }
  await page.fill("#search", "main\\.");
  await page.waitForTimeout(400);
  const hits = await page.$$eval("#flame .frame.hit", (e) => e.length);
  check("search highlights flame frames", hits > 0, hits);

  // Graph: labels readable at the default zoom; pan and zoom work.
  await page.goto(url("graph"));
  const minFont = await page.$eval("#graph svg", (svg) => {
    const k = svg.getScreenCTM().a;
    let min = Infinity;
    for (const t of svg.querySelectorAll("g.node text")) {
      min = Math.min(min, parseFloat(t.getAttribute("font-size")) * k);
    }
    return min;
  });
  check("graph labels are at least 10 px at the default zoom", minFont >= 10, minFont);
  const vb = () => page.$eval("#graph svg", (s) => s.getAttribute("viewBox").split(" ").map(Number));
  const box = await page.$eval("#graph", (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
  const v0 = await vb();
  await page.mouse.move(box.x + box.w / 2, box.y + box.h / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(200);
  const v1 = await vb();
  check("graph zooms in with the wheel", v1[2] < v0[2] * 0.9, { v0, v1 });
  await page.mouse.move(box.x + 50, box.y + 50);
  await page.mouse.down();
  await page.mouse.move(box.x + 250, box.y + 150, { steps: 5 });
  await page.mouse.up();
  const v2 = await vb();
  check("graph pans by dragging", v2[0] < v1[0] && v2[1] < v1[1], { v1, v2 });

  // Focus from a node click.
  await page.dblclick("#graph", { position: { x: 5, y: 5 } });
  // The heaviest node, N1 in the DOT (graphviz's <title>).
  const node = (await page.evaluateHandle(() => Array.from(document.querySelectorAll("#graph g.node"))
    .find((g) => (g.querySelector("title") || {}).textContent === "N1"))).asElement();
  const name = await page.$eval("#graph", () => JSON.parse(document.getElementById("data").textContent).nodes[0]);
  await node.click();
  check("a node click opens the actions", await page.isVisible("#actions"));
  await Promise.all([page.waitForNavigation(), page.click("#actions a[data-param=f]")]);
  const focus = new URL(page.url()).searchParams.get("f");
  check("Focus applies the node's name", focus === "^" + name.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&") + "$", { focus, name });
  check("the focused graph shows", (await page.$$("#graph g.node")).length > 0);

  // The sample type menu applies on change.
  await page.goto(url("top"));
  const options = await page.$$eval("#sample option", (o) => o.map((e) => [e.value, e.selected]));
  const other = options.find(([, sel]) => !sel);
  await Promise.all([page.waitForNavigation(), page.selectOption("#sample", other[0])]);
  const legend = await page.$eval(".legend", (e) => e.textContent);
  check("sample type menu applies on change", new URL(page.url()).searchParams.get("si") === other[0] && legend.includes("Type: " + other[0]), { url: page.url(), legend });

  // Top sorts by cum.
  const column = (k) => page.$$eval("#top tbody tr", (rows, k) => rows.map((r) => Math.abs(parseFloat(r.cells[k].dataset.v))), k);
  const flatFirst = await page.$$eval("#top tbody tr", (rows) => rows.map((r) => r.dataset.name));
  await page.click("#top th[data-key='3']");
  const cums = await column(3);
  const cumFirst = await page.$$eval("#top tbody tr", (rows) => rows.map((r) => r.dataset.name));
  check("top sorts by cum", cums.every((v, i) => i === 0 || cums[i - 1] >= v) && cumFirst.join() !== flatFirst.join(), { cums, flatFirst, cumFirst });
  await page.fill("#search", "work");
  await page.waitForTimeout(400);
  check("search highlights top rows", (await page.$$("#top tr.hit")).length > 0);

  // Download the profile.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  fs.mkdirSync(outDir, { recursive: true });
  await download.saveAs(path.join(outDir, "profile.pb.gz"));
  check("download saved", fs.statSync(path.join(outDir, "profile.pb.gz")).size > 0);

  // A -svg file pans and zooms by itself.
  if (svgFile) {
    await page.goto("file://" + svgFile);
    const tf = () => page.$eval("#viewport", (g) => g.getAttribute("transform"));
    const t0 = await tf();
    await page.mouse.move(400, 300);
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(200);
    const t1 = await tf();
    await page.mouse.move(300, 300);
    await page.mouse.down();
    await page.mouse.move(500, 400, { steps: 5 });
    await page.mouse.up();
    const t2 = await tf();
    const m = (t) => (/matrix\(([^)]*)\)/.exec(t || "") || [, "1,0,0,1,0,0"])[1].split(",").map(Number);
    check("-svg file zooms with the wheel", m(t1)[0] > 1.1 && t1 !== t0, { t0, t1 });
    check("-svg file pans by dragging", m(t2)[4] > m(t1)[4] && m(t2)[5] > m(t1)[5], { t1, t2 });
  }

  for (const file of weblistFiles) {
    const name = path.basename(file);
    await page.goto("file://" + file);
    const injected = await page.$$eval("img, iframe, object, embed", (e) => e.length);
    const scripts = await page.$$eval("script", (s) => s.length);
    check(name + ": no injected element, one script", injected === 0 && scripts === 1, { injected, scripts });
    const functions = await page.$$eval("h2", (e) => e.length);
    check(name + ": lists functions", functions > 0, functions);
    const live = await page.$$(".livesrc");
    if (live.length > 0) {
      const shown = () => page.$eval(".livesrc", (l) => getComputedStyle(l.nextElementSibling).display);
      const before = await shown();
      await live[0].click();
      const after = await shown();
      await live[0].click();
      const again = await shown();
      check(name + ": a click on a line shows its instructions, another hides them",
        before === "none" && after === "block" && again === "none", { before, after, again });
      const asm = await page.$eval(".livesrc + .asm", (a) => a.textContent);
      check(name + ": instructions under the line", /[0-9a-f]+: /.test(asm), asm.slice(0, 200));
    }
  }

  // A bad setting is a 400 with the message, and no page.
  const bad = await page.goto(url("top?f=("));
  check("bad input answers 400", bad.status() === 400, bad.status());
  errors.splice(0, errors.length, ...errors.filter((e) => !/status of 400/.test(e)));
} catch (e) {
  check("run", false, String(e && e.stack || e));
} finally {
  await context.close();
  fs.rmSync(userDir, { recursive: true, force: true });
}
check("no console error", errors.length === 0, errors);
check("no dialog", dialogs.length === 0, dialogs);
console.log(JSON.stringify({ failures, errors, dialogs }));
process.exit(failures.length ? 1 : 0);
