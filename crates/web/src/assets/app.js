// pprof-tools web interface: behaviour of every view. Loaded from the
// server's own files only (the Content-Security-Policy allows no inline
// script); data comes from the page's JSON block, never from markup.
(function () {
  "use strict";

  const view = document.body.dataset.view;
  const $ = (id) => document.getElementById(id);
  const status = $("status");

  // ---- URL: every setting lives in the query string ----
  function query() { return new URLSearchParams(location.search); }
  function urlFor(target, changes) {
    const q = query();
    for (const [k, v] of Object.entries(changes || {})) {
      if (v === "" || v === null) { q.delete(k); } else { q.set(k, v); }
    }
    const s = q.toString();
    return target + (s ? "?" + s : "");
  }
  function go(target, changes) { location.href = urlFor(target, changes); }

  // The view links carry the current settings.
  for (const a of document.querySelectorAll("#views a")) {
    a.href = a.getAttribute("href") + location.search;
  }

  // The sample type applies as soon as it is chosen.
  const sample = $("sample");
  if (sample) {
    sample.addEventListener("change", () => go(view, { si: sample.value }));
  }

  // Refine: empty boxes are left out of the URL.
  const refine = $("refine");
  if (refine) {
    refine.addEventListener("submit", () => {
      for (const input of refine.querySelectorAll("input")) {
        if (input.value === "") { input.disabled = true; }
      }
    });
  }

  // ---- Named configurations (pprof's settings.json) ----
  function post(url) {
    return fetch(url, { method: "POST" }).then((r) => r.text().then((t) => {
      if (!r.ok) { throw new Error(t.trim()); }
      return t;
    }));
  }
  const save = $("save-config");
  if (save) {
    save.addEventListener("click", () => {
      const name = window.prompt("Save the current settings as:", "");
      if (!name) { return; }
      const q = query();
      q.set("config", name);
      post("saveconfig?" + q.toString()).then(() => location.reload(),
        (e) => { status.textContent = "Could not save: " + e.message; });
    });
  }
  for (const b of document.querySelectorAll(".delete-config")) {
    b.addEventListener("click", (e) => {
      e.preventDefault();
      post("deleteconfig?config=" + encodeURIComponent(b.dataset.name)).then(
        () => location.reload(),
        (err) => { status.textContent = "Could not delete: " + err.message; });
    });
  }

  // ---- Actions on a function: focus, ignore, hide, show, peek, source ----
  const actions = $("actions");
  const actionTitle = $("action-title");
  function quoteMeta(s) { return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&"); }
  function showActions(name, x, y) {
    const re = "^" + quoteMeta(name) + "$";
    actionTitle.textContent = name;
    for (const a of actions.querySelectorAll("a")) {
      if (a.dataset.param) {
        a.href = urlFor(view, { [a.dataset.param]: re });
      } else {
        a.href = urlFor(a.dataset.view, { f: re });
      }
    }
    actions.hidden = false;
    const w = actions.offsetWidth, h = actions.offsetHeight;
    actions.style.left = Math.max(0, Math.min(x, window.innerWidth - w - 4)) + "px";
    actions.style.top = Math.max(0, Math.min(y, window.innerHeight - h - 4)) + "px";
  }
  function hideActions() { actions.hidden = true; }
  document.addEventListener("mousedown", (e) => {
    if (!actions.hidden && !actions.contains(e.target)) { hideActions(); }
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") { hideActions(); } });

  // ---- Search: highlights matching functions in the current view ----
  const search = $("search");
  let highlight = () => {};
  let searchTimer = 0;
  function runSearch() {
    const text = search.value;
    let re = null;
    search.classList.remove("bad");
    if (text !== "") {
      try { re = new RegExp(text); } catch (err) { search.classList.add("bad"); return; }
    }
    highlight(re);
  }
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 120);
  });
  function highlightLines(selector, textOf) {
    highlight = (re) => {
      let n = 0;
      for (const el of document.querySelectorAll(selector)) {
        const hit = re !== null && re.test(textOf(el));
        el.classList.toggle("hit", hit);
        if (hit) { n++; }
      }
      status.textContent = re ? n + " matching" : "";
    };
  }

  function data() {
    const block = $("data");
    return block ? JSON.parse(block.textContent) : null;
  }

  // ---- Graph: pan, zoom, click a node ----
  function graphView() {
    const box = $("graph");
    const svg = box && box.querySelector("svg");
    if (!svg) { return; }
    const nodes = (data() || {}).nodes || [];
    // Node N<i> of the DOT is nodes[i - 1]; graphviz puts "N<i>" in its title.
    function nodeIndex(g) {
      const t = g.querySelector("title");
      const m = t ? /^N(\d+)$/.exec(t.textContent) : null;
      return m ? parseInt(m[1], 10) : NaN;
    }
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const full = vb && vb.width ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height }
      : { x: 0, y: 0, w: box.clientWidth, h: box.clientHeight };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    // Graph units are points; the smallest label is 8 units: 1.25 px per
    // unit makes it 10 px.
    const READABLE = 1.25;
    let scale = 1, ox = 0, oy = 0;
    function apply() {
      const w = Math.max(box.clientWidth, 1), h = Math.max(box.clientHeight, 1);
      svg.setAttribute("viewBox", [ox, oy, w / scale, h / scale].map((v) => v.toFixed(2)).join(" "));
    }
    function reset() {
      const w = box.clientWidth;
      const fit = w / full.w;
      scale = fit >= READABLE ? Math.min(fit, 2) : READABLE;
      ox = full.x - Math.max(0, (w / scale - full.w) / 2);
      oy = full.y;
      apply();
      // Too wide to fit: start on the heaviest node, horizontally centred.
      const first = Array.from(svg.querySelectorAll("g.node")).find((g) => nodeIndex(g) === 1);
      if (fit < READABLE && first) {
        const r = first.getBoundingClientRect(), b = box.getBoundingClientRect();
        ox += ((r.left + r.width / 2) - (b.left + b.width / 2)) / scale;
        apply();
      }
    }
    reset();
    window.addEventListener("resize", apply);
    box.addEventListener("wheel", (e) => {
      e.preventDefault();
      const b = box.getBoundingClientRect();
      const d = e.deltaY * (e.deltaMode === 1 ? 30 : e.deltaMode === 2 ? 300 : 1);
      const next = Math.min(Math.max(scale * Math.pow(1.0015, -d), 0.05), 20);
      const px = e.clientX - b.left, py = e.clientY - b.top;
      ox += px / scale - px / next;
      oy += py / scale - py / next;
      scale = next;
      apply();
    }, { passive: false });
    let drag = null;
    box.addEventListener("mousedown", (e) => {
      if (e.button !== 0) { return; }
      e.preventDefault();
      drag = { x: e.clientX, y: e.clientY, ox: ox, oy: oy, moved: false, target: e.target };
    });
    window.addEventListener("mousemove", (e) => {
      if (!drag) { return; }
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; box.classList.add("dragging"); }
      if (drag.moved) {
        ox = drag.ox - dx / scale;
        oy = drag.oy - dy / scale;
        apply();
      }
    });
    window.addEventListener("mouseup", (e) => {
      if (!drag) { return; }
      const d = drag;
      drag = null;
      box.classList.remove("dragging");
      if (d.moved) { return; }
      const node = d.target.closest && d.target.closest("g.node");
      const i = node ? nodeIndex(node) : NaN;
      if (i >= 1 && i <= nodes.length) {
        for (const n of svg.querySelectorAll("g.node.selected")) { n.classList.remove("selected"); }
        node.classList.add("selected");
        showActions(nodes[i - 1], e.clientX + 4, e.clientY + 4);
      }
    });
    box.addEventListener("dblclick", reset);
    // Links graphviz drew (none by default) never navigate away.
    box.addEventListener("click", (e) => { if (e.target.closest("a")) { e.preventDefault(); } });
    highlight = (re) => {
      let n = 0;
      for (const g of svg.querySelectorAll("g.node")) {
        const i = nodeIndex(g);
        const hit = re !== null && i >= 1 && re.test(nodes[i - 1] || "");
        g.classList.toggle("hit", hit);
        if (hit) { n++; }
      }
      status.textContent = re ? n + " matching nodes" : "";
    };
  }

  // ---- Flame graph (icicle by default), drawn from the stack tree ----
  function flameView() {
    const d = data();
    const box = $("flame");
    if (!d || !box) { return; }
    const ROW = 18;
    const nodes = d.nodes; // [name, parent, cum, flat, cum_base]
    const n = nodes.length;
    const kids = Array.from({ length: n }, () => []);
    for (let i = 1; i < n; i++) { kids[nodes[i][1]].push(i); }
    const width = (i) => Math.abs(nodes[i][2]) + 2 * nodes[i][4];
    const depth = new Int32Array(n);
    for (let i = 1; i < n; i++) { depth[i] = depth[nodes[i][1]] + 1; }
    const total = Math.abs(d.total) || width(0) || 1;
    const q = query();
    let zoom = 0;
    let upward = q.get("orient") === "up";
    const callers = $("callers"), up = $("upward"), unzoom = $("unzoom");
    callers.checked = ["t", "true", "1"].includes(q.get("callers") || "");
    up.checked = upward;
    callers.addEventListener("change", () => go(view, { callers: callers.checked ? "t" : "" }));
    up.addEventListener("change", () => {
      upward = up.checked;
      history.replaceState(null, "", urlFor(view, { orient: upward ? "up" : "" }));
      render();
    });
    unzoom.addEventListener("click", () => { zoom = 0; render(); });

    // pprof's shortened names: the package path goes, then whole
    // qualifiers, until the name fits.
    const sizer = document.createElement("canvas").getContext("2d");
    // The frames' font (app.css), so that a chosen name fits its frame.
    const style = getComputedStyle(box);
    sizer.font = style.fontSize + " " + style.fontFamily;
    const candidates = new Map();
    function label(i, w) {
      const name = nodes[i][0];
      let list = candidates.get(name);
      if (!list) {
        const short = d.short[name] || d.names[name];
        list = [short];
        const re = /::|\./g;
        let m;
        while ((m = re.exec(short)) !== null) {
          const rest = short.slice(m.index + m[0].length);
          if (rest) { list.push(rest); }
        }
        candidates.set(name, list);
      }
      for (const s of list) {
        if (sizer.measureText(s).width + 8 <= w) { return s; }
      }
      return "";
    }
    function packageOf(name) {
      const m = /^((.*\/)?[\w\d_]+)(\.|::)([^/]*)$/.exec(name);
      return m ? m[1] : name;
    }
    function hash(s) {
      let h = 2166136261;
      for (let i = 0; i < s.length; i++) { h = Math.imul(h ^ s.charCodeAt(i), 16777619); }
      return h >>> 0;
    }
    function colour(i) {
      if (i === 0) { return "#d8dce2"; }
      if (d.diff) {
        const base = nodes[i][4], now = nodes[i][2] + base;
        const big = Math.max(base, now, 1);
        const r = (now - base) / big;
        const a = Math.min(1, Math.abs(r));
        const light = Math.round(92 - 40 * a);
        return r >= 0 ? "hsl(0,75%," + light + "%)" : "hsl(120,55%," + light + "%)";
      }
      const h = hash(packageOf(d.names[nodes[i][0]]));
      return "hsl(" + (h % 360) + "," + (45 + (h >> 9) % 25) + "%," + (72 + (h >> 17) % 12) + "%)";
    }
    function pct(v) { return (100 * v / total).toFixed(2) + "%"; }
    function describe(i) {
      const f = d.formatted[i] || ["", ""];
      const name = i === 0 ? "root" : d.names[nodes[i][0]];
      return name + " — cum " + f[0] + " (" + pct(nodes[i][2]) + "), flat " + f[1] + " (" + pct(nodes[i][3]) + ")";
    }
    let drawn = [];
    let searchRe = null;
    function render() {
      const W = box.clientWidth || 800;
      const frag = document.createDocumentFragment();
      drawn = [];
      let maxDepth = 0;
      const place = (i, x, w) => { drawn.push([i, x, w]); if (depth[i] > maxDepth) { maxDepth = depth[i]; } };
      // The zoomed frame's callers (or callees) span the whole width.
      for (let a = zoom; ; a = nodes[a][1]) {
        place(a, 0, W);
        if (a === 0) { break; }
      }
      const k = W / (width(zoom) || 1);
      const stack = [[zoom, 0]];
      while (stack.length) {
        const [i, x] = stack.pop();
        let cx = x;
        for (const c of kids[i]) {
          const w = width(c) * k;
          if (w >= 0.5) {
            place(c, cx, w);
            stack.push([c, cx]);
          }
          cx += w;
        }
      }
      for (const [i, x, w] of drawn) {
        const el = document.createElement("div");
        el.className = "frame";
        const row = upward ? maxDepth - depth[i] : depth[i];
        el.style.left = x.toFixed(1) + "px";
        el.style.top = (row * ROW) + "px";
        el.style.width = Math.max(w, 1).toFixed(1) + "px";
        el.style.background = colour(i);
        if (depth[i] < depth[zoom]) { el.classList.add("ancestor"); }
        if (i !== 0 && searchRe && searchRe.test(d.names[nodes[i][0]])) { el.classList.add("hit"); }
        el.textContent = i === 0 ? (w > 40 ? "root" : "") : label(i, w);
        el.dataset.i = i;
        frag.appendChild(el);
      }
      box.replaceChildren(frag);
      box.style.height = ((maxDepth + 1) * ROW) + "px";
      unzoom.hidden = zoom === 0;
    }
    function frameOf(e) {
      const el = e.target.closest && e.target.closest(".frame");
      return el ? parseInt(el.dataset.i, 10) : -1;
    }
    box.addEventListener("click", (e) => {
      const i = frameOf(e);
      if (i < 0) { return; }
      zoom = i;
      render();
    });
    box.addEventListener("contextmenu", (e) => {
      const i = frameOf(e);
      if (i <= 0) { return; }
      e.preventDefault();
      showActions(d.names[nodes[i][0]], e.clientX, e.clientY);
    });
    box.addEventListener("mousemove", (e) => {
      const i = frameOf(e);
      status.textContent = i >= 0 ? describe(i) : "";
    });
    box.addEventListener("mouseleave", () => { status.textContent = ""; });
    window.addEventListener("resize", render);
    highlight = (re) => {
      searchRe = re;
      render();
      if (!re) { status.textContent = ""; return; }
      // Share of the total under matching frames (outermost matches only).
      let covered = 0;
      const walk = [0];
      while (walk.length) {
        const i = walk.pop();
        if (i !== 0 && re.test(d.names[nodes[i][0]])) { covered += Math.abs(nodes[i][2]); continue; }
        for (const c of kids[i]) { walk.push(c); }
      }
      status.textContent = "Matched " + pct(covered) + " of the total";
    };
    render();
  }

  // ---- Top: a table sorted by any column ----
  function topView() {
    const table = $("top");
    if (!table) { return; }
    const body = table.tBodies[0];
    const q = query();
    const initial = q.get("sort") === "cum" ? "3" : "0";
    for (const th of table.querySelectorAll("th[data-key]")) {
      if (th.dataset.key === initial) { th.classList.add("sorted"); }
      th.addEventListener("click", () => {
        const k = parseInt(th.dataset.key, 10);
        const num = th.dataset.num === "1";
        const rows = Array.from(body.rows);
        const key = (r) => num ? Math.abs(parseFloat(r.cells[k].dataset.v)) : r.cells[k].textContent;
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          if (num) { return y - x; }
          return x < y ? -1 : x > y ? 1 : 0;
        });
        body.replaceChildren(...rows);
        for (const o of table.querySelectorAll("th")) { o.classList.remove("sorted"); }
        th.classList.add("sorted");
      });
    }
    body.addEventListener("click", (e) => {
      const tr = e.target.closest("tr");
      if (tr) { showActions(tr.dataset.name, e.clientX + 4, e.clientY + 4); }
    });
    highlightLines("#top tbody tr", (tr) => tr.dataset.name);
  }

  // ---- Source: a click on a line with code shows its instructions ----
  function sourceView() {
    document.body.addEventListener("click", (e) => {
      const line = e.target.closest(".livesrc");
      const asm = line && line.nextElementSibling;
      if (!asm || !asm.classList.contains("asm")) { return; }
      line.classList.toggle("open", asm.classList.toggle("open"));
    });
    highlightLines(".weblist pre > .nop, .weblist pre > .deadsrc, .weblist pre > .livesrc",
      (el) => el.textContent);
  }

  if (view === "graph") { graphView(); }
  else if (view === "flamegraph") { flameView(); }
  else if (view === "top") { topView(); }
  else if (view === "leak") { highlightLines("#leak tbody tr", (tr) => tr.dataset.name); }
  else if (view === "source") { sourceView(); }
  else { highlightLines("pre .line", (el) => el.textContent); }
  if (search.value) { runSearch(); }
})();
