// Screenshots of the web interface, with the sizes they are judged by:
//   node shots.mjs BASE_URL OUT_PREFIX VIEW...
// Saves OUT_PREFIX-VIEW.png (1280x900) for each view and prints, per view,
// the smallest and median height in CSS pixels of the graph's node labels
// (graph) and the names drawn at depth 10 of the flame graph (flamegraph).
import { chromium } from "playwright-core";

const [base, prefix, ...views] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
for (const v of views) {
  await page.goto(base + "/ui/" + v, { waitUntil: "load" });
  await page.waitForTimeout(500);
  const info = await page.evaluate((view) => {
    const stat = (hs) => {
      hs.sort((a, b) => a - b);
      return { count: hs.length, min: hs[0], median: hs[Math.floor(hs.length / 2)] };
    };
    if (view.startsWith("graph")) {
      const hs = [];
      const box = document.getElementById("graph").getBoundingClientRect();
      for (const t of document.querySelectorAll("#graph g.node text")) {
        const r = t.getBoundingClientRect();
        if (r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right) {
          hs.push(r.height);
        }
      }
      return { graph_label_px: stat(hs) };
    }
    if (view.startsWith("flamegraph")) {
      const frames = Array.from(document.querySelectorAll("#flame .frame"));
      const tops = [...new Set(frames.map((f) => f.offsetTop))].sort((a, b) => a - b);
      const row10 = frames.filter((f) => f.offsetTop === tops[10]);
      const named = row10.filter((f) => f.textContent.trim().length > 0);
      const fs = named.map((f) => parseFloat(getComputedStyle(f).fontSize));
      return { depth10_frames: row10.length, depth10_named: named.length,
        depth10_font_px: stat(fs), depth10_names: named.slice(0, 6).map((f) => f.textContent) };
    }
    return {};
  }, v);
  await page.screenshot({ path: prefix + "-" + v.replace(/[^a-z0-9]+/gi, "_") + ".png" });
  console.log(JSON.stringify({ view: v, ...info }));
}
await browser.close();
