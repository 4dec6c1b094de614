//! A self-contained interactive flame graph in SVG.
//!
//! The frames are laid out here, so the picture shows without scripting;
//! a small inline script adds hover details (name, flat, cum, percentages
//! in the status line and the tooltip), click-to-zoom (Escape or "Reset
//! Zoom" to return) and a regular expression search (the "Search" button or
//! Ctrl-F) that paints matches magenta and reports the share they cover.
//! The URL parameters `?s=REGEXP` and `?z=REGEXP` search and zoom on load.
//! Nothing is fetched from the network.

use std::fmt::Write as _;

use pprof_model::Profile;

use crate::error::Result;
use crate::stacks::{check_indexes, mean_value, StackOptions, StackTree, ROOT};
use crate::xml::{escape, escape_into};

/// Formats a sample value for display, such as `1.50s`.
pub type ValueFormatter = Box<dyn Fn(i64) -> String>;

/// Options of the flame graph writer.
pub struct FlameOptions {
    /// Which stacks and values to take.
    pub stacks: StackOptions,
    /// Title at the top; "Flame Graph" when empty.
    pub title: String,
    /// A second line under the title (for example `File: x, Type: cpu`).
    pub subtitle: String,
    /// Width of the picture in pixels (at least 200).
    pub width: u32,
    /// Frames narrower than this many pixels are left out, with their
    /// callees, to keep the file small.
    pub min_frame_width: f64,
    /// Denominator of the percentages; by default the sum of the magnitudes
    /// of all values (pprof's total for `-base`).
    pub total: Option<i64>,
    /// Value formatter; by default the plain number and the sample unit.
    pub format_value: Option<ValueFormatter>,
    /// Colour by difference against a base (red = growth, blue =
    /// shrinkage). `None` turns it on when the profile holds base samples
    /// (negative values, or samples labelled `pprof::base=true`).
    pub diff: Option<bool>,
}

impl Default for FlameOptions {
    fn default() -> Self {
        FlameOptions {
            stacks: StackOptions::default(),
            title: String::new(),
            subtitle: String::new(),
            width: 1200,
            min_frame_width: 0.1,
            total: None,
            format_value: None,
            diff: None,
        }
    }
}

const PAD: f64 = 10.0;
const FRAME_H: f64 = 16.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 34.0;
/// Advance of one character of the 12px monospace font.
const CHAR_W: f64 = 7.2;
const MATCH_FILL: &str = "rgb(230,0,230)";

/// Writes an interactive flame graph of `p`'s stacks (outermost frames at
/// the bottom, callees stacked above, siblings sorted by name).
pub fn flame_svg(p: &Profile, opts: &FlameOptions) -> Result<String> {
    let mut tree = StackTree::new();
    tree.add_profile(p, &opts.stacks, 1)?;
    Ok(render(&tree, &unit_of(p, opts), opts))
}

/// Writes a differential flame graph of `new` against `base`: widths count
/// both profiles, colours show growth (red) and shrinkage (blue).
pub fn flame_svg_diff(new: &Profile, base: &Profile, opts: &FlameOptions) -> Result<String> {
    let mut tree = StackTree::new();
    tree.add_profile(new, &opts.stacks, 1)?;
    tree.add_profile(base, &opts.stacks, -1)?;
    tree.has_base_label = true;
    Ok(render(&tree, &unit_of(new, opts), opts))
}

/// One frame of a [`FlameTree`]: a function reached through one path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlameNode {
    /// Index of the frame's name in [`FlameTree::names`].
    pub name: u32,
    /// Index of the parent node in [`FlameTree::nodes`] (the root is its
    /// own parent).
    pub parent: u32,
    /// Distance from the root (the root is at 0).
    pub depth: u32,
    /// Net value of the node and its callees (callers in a callers tree).
    pub cum: i64,
    /// Net value of the node alone.
    pub flat: i64,
    /// Base part of `cum` in a comparison (the magnitude of its negative
    /// values); 0 otherwise.
    pub cum_base: i64,
}

/// The stacks of a profile as a tree of frames, for flame graphs drawn
/// elsewhere (a web page): node 0 is the root, every other node comes
/// after its parent, and siblings are in name order, so that drawing
/// the nodes in order lays out each frame after its left sibling.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct FlameTree {
    /// Frame names; node `name` fields index this list.
    pub names: Vec<String>,
    /// The nodes, depth first; nodes narrower than the options' minimum
    /// share are left out with their subtrees.
    pub nodes: Vec<FlameNode>,
    /// The tree compares a profile with a base (negative values, or
    /// samples labelled `pprof::base=true`).
    pub diff: bool,
}

/// What [`flame_tree`] builds.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct FlameTreeOptions {
    /// Which stacks and values to take.
    pub stacks: StackOptions,
    /// Root at the leaf frames: each node's children are its callers.
    pub callers: bool,
    /// Nodes whose magnitude is below this share of the root's (0 to 1)
    /// are left out, with their subtrees.
    pub min_share: f64,
}

/// The stack tree of `p` (see [`FlameTree`]), for a flame graph or an
/// icicle graph drawn by the caller; values with `-mean` are divided by
/// the mean divisor.
///
/// The tree is made from the root down, one level at a time: the samples
/// through a node are sorted by their next frame, each run of equal
/// frames is a child, and a child narrower than the minimum share is not
/// looked into. So the long tail of rare stacks costs no memory and no
/// hash lookups, however many samples there are.
pub fn flame_tree(p: &Profile, opts: &FlameTreeOptions) -> Result<FlameTree> {
    let st = &opts.stacks;
    check_indexes(p, st)?;
    let mut frames = StackTree::new();
    let (loc_offsets, loc_frames) = frames.location_frames(p, st);
    let rank = frames.name_ranks();
    let mut by_rank = vec![0u32; rank.len()];
    for (f, &r) in rank.iter().enumerate() {
        if let Some(slot) = by_rank.get_mut(r as usize) {
            *slot = f as u32;
        }
    }
    let base_key = p.strings.lookup("pprof::base");
    let true_val = p.strings.lookup("true");
    let mut has_base_label = false;
    let mut has_negative = false;
    let mut walks: Vec<Walk> = Vec::new();
    for s in &p.samples {
        let v = s.values.get(st.sample_index).copied().unwrap_or(0);
        let div = st
            .mean_divisor
            .map_or(0, |d| s.values.get(d).copied().unwrap_or(0));
        if v == 0 && div == 0 {
            continue;
        }
        if let (Some(k), Some(t)) = (base_key, true_val) {
            if s.labels.iter().any(|l| l.key == k && l.str == t) {
                has_base_label = true;
            }
        }
        has_negative |= v < 0;
        walks.push(Walk {
            locs: s.locations,
            loc: 0,
            frame: 0,
            key: 0,
            value: v,
            div,
        });
    }
    let next = NextFrame {
        reversed: opts.callers,
        loc_offsets: &loc_offsets,
        loc_frames: &loc_frames,
    };
    let root_width = walks
        .iter()
        .fold(0i64, |w, x| w.saturating_add(x.value.saturating_abs()));
    let min = (root_width as f64 * opts.min_share.clamp(0.0, 1.0)) as i64;
    let mean = st.mean_divisor.is_some();
    let mut out = FlameTree {
        names: Vec::new(),
        nodes: Vec::new(),
        diff: has_negative || has_base_label,
    };
    // Names of the kept nodes only, numbered in the order they appear.
    let mut name_ids: Vec<u32> = vec![u32::MAX; rank.len()];
    // (samples through the node, its frame (`None`: the root), parent, depth)
    let mut todo: Vec<(std::ops::Range<usize>, Option<u32>, u32, u32)> =
        vec![(0..walks.len(), None, 0, 0)];
    while let Some((range, frame, parent, depth)) = todo.pop() {
        let Some(group) = walks.get_mut(range.clone()) else {
            continue;
        };
        let (mut pos, mut neg, mut div) = (0i64, 0i64, 0i64);
        let (mut flat, mut flat_div) = (0i64, 0i64);
        for w in group.iter_mut() {
            if w.value < 0 {
                neg = neg.saturating_add(w.value.saturating_neg());
            } else {
                pos = pos.saturating_add(w.value);
            }
            div = div.saturating_add(w.div);
            w.key = match next.frame(w) {
                Some(f) => rank.get(f as usize).copied().unwrap_or(0),
                None => {
                    flat = flat.saturating_add(w.value);
                    flat_div = flat_div.saturating_add(w.div);
                    END
                }
            };
        }
        let width = pos.saturating_add(neg);
        let name = match frame {
            None => u32::MAX,
            Some(_) if width < min || width == 0 => continue,
            Some(f) => match name_ids.get_mut(f as usize) {
                Some(id) if *id != u32::MAX => *id,
                Some(id) => {
                    *id = out.names.len() as u32;
                    out.names.push(frames.frame_name(f).to_string());
                    *id
                }
                None => continue,
            },
        };
        let index = out.nodes.len() as u32;
        out.nodes.push(FlameNode {
            name,
            parent,
            depth,
            cum: mean_value(pos.saturating_sub(neg), div, mean),
            flat: mean_value(flat, flat_div, mean),
            cum_base: mean_value(neg, div, mean),
        });
        // The children: runs of samples with the same next frame, in name
        // order (the samples that end here sort last).
        if !group.windows(2).all(|w| w[0].key <= w[1].key) {
            group.sort_unstable_by_key(|w| w.key);
        }
        let mut kids = Vec::new();
        let mut start = 0;
        while let Some(first) = group.get(start) {
            let key = first.key;
            if key == END {
                break;
            }
            let len = group
                .get(start..)
                .map_or(0, |rest| rest.iter().take_while(|w| w.key == key).count());
            for w in group.get_mut(start..start + len).unwrap_or(&mut []) {
                w.frame += 1;
            }
            let f = by_rank.get(key as usize).copied().unwrap_or(0);
            kids.push((
                range.start + start..range.start + start + len,
                Some(f),
                index,
                depth.saturating_add(1),
            ));
            start += len;
        }
        todo.extend(kids.into_iter().rev());
    }
    // The root has no name of its own.
    let root_name = out.names.len() as u32;
    if let Some(r) = out.nodes.first_mut() {
        r.name = root_name;
    }
    out.names.push("root".to_string());
    Ok(out)
}

/// The key of a sample whose stack ends at the node.
const END: u32 = u32::MAX;

/// One sample on its way down the tree: the next frame of its stack is
/// frame `frame` (in stack order) of its location `loc` (in stack order).
struct Walk<'a> {
    /// The sample's locations (held here: reading them through the
    /// sample costs a cache miss more per frame).
    locs: &'a [pprof_model::LocationId],
    loc: u32,
    frame: u32,
    /// The name rank of the next frame ([`END`] when there is none).
    key: u32,
    value: i64,
    div: i64,
}

/// Reads the frames of a sample's stack in order: from the outermost
/// frame, or from the leaf (`reversed`).
struct NextFrame<'a> {
    reversed: bool,
    loc_offsets: &'a [usize],
    loc_frames: &'a [u32],
}

impl NextFrame<'_> {
    /// The next frame of `w`, moving it past locations without frames.
    fn frame(&self, w: &mut Walk<'_>) -> Option<u32> {
        let locs = w.locs;
        loop {
            let li = w.loc as usize;
            if li >= locs.len() {
                return None;
            }
            let at = if self.reversed {
                li
            } else {
                locs.len() - 1 - li
            };
            let loc = locs.get(at)?.index();
            let frames = match (self.loc_offsets.get(loc), self.loc_offsets.get(loc + 1)) {
                (Some(&a), Some(&b)) => self.loc_frames.get(a..b).unwrap_or(&[]),
                _ => &[],
            };
            let fi = w.frame as usize;
            if fi < frames.len() {
                let i = if self.reversed {
                    frames.len() - 1 - fi
                } else {
                    fi
                };
                return frames.get(i).copied();
            }
            w.loc += 1;
            w.frame = 0;
        }
    }
}

fn unit_of(p: &Profile, opts: &FlameOptions) -> String {
    p.sample_types
        .get(opts.stacks.sample_index)
        .map_or(String::new(), |st| p.str(st.unit).to_string())
}

/// A frame that is drawn.
struct Drawn {
    node: u32,
    x: f64,
    w: f64,
    depth: u32,
}

fn render(tree: &StackTree, unit: &str, opts: &FlameOptions) -> String {
    let diff = opts.diff.unwrap_or_else(|| tree.is_diff());
    let mean = opts.stacks.mean_divisor.is_some();
    let width = f64::from(opts.width.max(200));
    let inner = width - 2.0 * PAD;
    let root_width = tree.nodes.first().map_or(0, |n| n.width());
    let total = opts.total.filter(|&t| t != 0).unwrap_or(root_width);
    let fmt = |v: i64| -> String {
        match &opts.format_value {
            Some(f) => f(v),
            None if unit.is_empty() => v.to_string(),
            None => format!("{v} {unit}"),
        }
    };

    // Lay out the visible frames, depth first, children sorted by name.
    let (offsets, list) = tree.children_sorted();
    let mut drawn: Vec<Drawn> = Vec::new();
    let scale = if root_width > 0 {
        inner / root_width as f64
    } else {
        0.0
    };
    let min_w = opts.min_frame_width.max(0.0);
    let mut todo: Vec<(u32, f64)> = vec![(ROOT, PAD)];
    while let Some((node, x)) = todo.pop() {
        let Some(n) = tree.nodes.get(node as usize) else {
            continue;
        };
        let w = n.width() as f64 * scale;
        if w < min_w || w <= 0.0 {
            continue;
        }
        drawn.push(Drawn {
            node,
            x,
            w,
            depth: n.depth,
        });
        let i = node as usize;
        if let (Some(&a), Some(&b)) = (offsets.get(i), offsets.get(i + 1)) {
            let mut cx = x;
            let mut kids = Vec::new();
            for &k in list.get(a..b).unwrap_or(&[]) {
                kids.push((k, cx));
                let kw = tree.nodes.get(k as usize).map_or(0, |c| c.width());
                cx += kw as f64 * scale;
            }
            todo.extend(kids.into_iter().rev());
        }
    }
    let max_depth = drawn.iter().map(|d| d.depth).max().unwrap_or(0);
    let height = TOP + (f64::from(max_depth) + 1.0) * FRAME_H + BOTTOM;

    let max_delta = if diff {
        drawn
            .iter()
            .filter_map(|d| tree.nodes.get(d.node as usize))
            .map(|n| n.cum().unsigned_abs())
            .max()
            .unwrap_or(0)
    } else {
        0
    };

    let mut out = String::with_capacity(4096 + drawn.len() * 300);
    let title = if opts.title.is_empty() {
        "Flame Graph"
    } else {
        &opts.title
    };
    let _ = write!(
        out,
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n",
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" ",
            "width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n",
            "<style type=\"text/css\"><![CDATA[\n{css}]]></style>\n",
            "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fafafa\"/>\n",
            "<text id=\"title\" x=\"{cx}\" y=\"24\">{title}</text>\n",
            "<text id=\"subtitle\" x=\"{cx}\" y=\"44\">{sub}</text>\n",
            "<text id=\"unzoom\" class=\"btn hide\" x=\"{pad}\" y=\"24\">Reset Zoom</text>\n",
            "<text id=\"search\" class=\"btn\" x=\"{right}\" y=\"24\">Search</text>\n",
            "<text id=\"details\" x=\"{pad}\" y=\"{by}\"> </text>\n",
            "<text id=\"matched\" x=\"{right}\" y=\"{by}\"> </text>\n",
            "<g id=\"frames\">\n"
        ),
        w = width,
        h = height,
        css = CSS,
        cx = width / 2.0,
        title = escape(title),
        sub = escape(&opts.subtitle),
        pad = PAD,
        right = width - PAD,
        by = height - 12.0,
    );

    if drawn.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"empty\">No samples</text>",
            width / 2.0,
            TOP + FRAME_H
        );
    }

    let pct = |v: i64| -> String {
        if total == 0 {
            return "0%".to_string();
        }
        let p = 100.0 * v as f64 / total.unsigned_abs() as f64;
        if diff {
            format!("{p:+.2}%")
        } else {
            format!("{p:.2}%")
        }
    };
    let signed = |v: i64| -> String {
        let s = fmt(v);
        if diff && v > 0 {
            format!("+{s}")
        } else {
            s
        }
    };

    for d in &drawn {
        let Some(n) = tree.nodes.get(d.node as usize) else {
            continue;
        };
        let name = if d.node == ROOT {
            "all"
        } else {
            tree.name(d.node)
        };
        let cum = mean_value(n.cum(), n.cum_div, mean);
        let flat = mean_value(n.flat(), n.flat_div, mean);
        let y = height - BOTTOM - (f64::from(d.depth) + 1.0) * FRAME_H;
        let fill = if diff {
            diff_color(n.cum(), max_delta)
        } else if d.node == ROOT {
            "rgb(220,220,220)".to_string()
        } else {
            hot_color(name)
        };
        let mut info = name.replace(['\n', '\r'], " ");
        let _ = write!(
            info,
            "\ncum {} ({}), flat {} ({})",
            signed(cum),
            pct(n.cum()),
            signed(flat),
            pct(n.flat())
        );
        if diff {
            let _ = write!(
                info,
                "\nbase {}, new {}",
                fmt(mean_value(n.cum_neg, n.cum_div, mean)),
                fmt(mean_value(n.cum_pos, n.cum_div, mean))
            );
        }
        out.push_str("<g class=\"f\"><title>");
        escape_into(&mut out, &info);
        let _ = write!(
            out,
            "</title><rect x=\"{:.3}\" y=\"{y}\" width=\"{:.3}\" height=\"{}\" fill=\"{fill}\" rx=\"2\" ry=\"2\"/><text x=\"{:.3}\" y=\"{}\">",
            d.x,
            d.w,
            FRAME_H - 1.0,
            d.x + 3.0,
            y + 11.5
        );
        escape_into(&mut out, &fit_label(name, d.w));
        out.push_str("</text></g>\n");
    }
    out.push_str("</g>\n<script type=\"text/ecmascript\"><![CDATA[\n");
    let _ = writeln!(
        out,
        "var FLAME_W = {width}, FLAME_PAD = {PAD}, FLAME_CW = {CHAR_W}, FLAME_MATCH = \"{MATCH_FILL}\";"
    );
    out.push_str(SCRIPT);
    out.push_str("]]></script>\n</svg>\n");
    out
}

/// The label that fits a frame `w` pixels wide (the script uses the same rule).
fn fit_label(name: &str, w: f64) -> String {
    let room = ((w - 6.0) / CHAR_W).floor();
    if room < 3.0 {
        return String::new();
    }
    let room = room as usize;
    if name.chars().count() <= room {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(room - 2).collect();
        s.push_str("..");
        s
    }
}

/// A warm colour derived from the frame name, so a function keeps its
/// colour across graphs.
fn hot_color(name: &str) -> String {
    // FNV-1a.
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let r = 205 + (h & 0xff) * 50 / 255;
    let g = ((h >> 8) & 0xff) * 200 / 255 + 20;
    let b = ((h >> 16) & 0xff) * 55 / 255;
    format!("rgb({r},{g},{b})")
}

/// Red for growth, blue for shrinkage, stronger for larger changes.
fn diff_color(delta: i64, max_delta: u64) -> String {
    if delta == 0 || max_delta == 0 {
        return "rgb(235,235,235)".to_string();
    }
    let ratio = (delta.unsigned_abs() as f64 / max_delta as f64).min(1.0);
    let intensity = 0.2 + 0.8 * ratio;
    let c = (255.0 * (1.0 - 0.85 * intensity)).round() as u8;
    if delta > 0 {
        format!("rgb(255,{c},{c})")
    } else {
        format!("rgb({c},{c},255)")
    }
}

const CSS: &str = r#"text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; fill: #000; }
#title { font-size: 17px; text-anchor: middle; }
#subtitle { fill: #555; text-anchor: middle; }
#matched, #search { text-anchor: end; }
.empty { text-anchor: middle; fill: #777; }
.btn { cursor: pointer; fill: #1a4d9c; }
.btn:hover { text-decoration: underline; }
.hide { display: none; }
.f { cursor: pointer; }
.f:hover rect { stroke: #000; stroke-width: 0.6; }
.f text { pointer-events: none; }
.parent { opacity: 0.55; }
"#;

/// The interaction script: hover details, click-to-zoom, search.
const SCRIPT: &str = r#"(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var details = doc.getElementById("details");
  var matched = doc.getElementById("matched");
  var unzoomBtn = doc.getElementById("unzoom");
  var searchBtn = doc.getElementById("search");
  var EPS = 0.01, term = "";
  var frames = [];
  var groups = doc.getElementById("frames").getElementsByTagName("g");
  for (var i = 0; i < groups.length; i++) {
    var g = groups[i];
    var r = g.getElementsByTagName("rect")[0];
    var t = g.getElementsByTagName("text")[0];
    var info = g.getElementsByTagName("title")[0].textContent;
    var f = {
      g: g, r: r, t: t,
      x: parseFloat(r.getAttribute("x")),
      w: parseFloat(r.getAttribute("width")),
      y: parseFloat(r.getAttribute("y")),
      fill: r.getAttribute("fill"),
      name: info.split("\n")[0],
      info: info.replace(/\n/g, "  |  ")
    };
    g.flameFrame = f;
    frames.push(f);
  }
  function frameOf(el) {
    while (el && el !== root) {
      if (el.flameFrame) { return el.flameFrame; }
      el = el.parentNode;
    }
    return null;
  }
  function label(f, w) {
    var room = Math.floor((w - 6) / FLAME_CW), s = "";
    if (room >= 3) { s = f.name.length <= room ? f.name : f.name.slice(0, room - 2) + ".."; }
    f.t.textContent = s;
  }
  function place(f, x, w) {
    f.r.setAttribute("x", x.toFixed(3));
    f.r.setAttribute("width", w.toFixed(3));
    f.t.setAttribute("x", (x + 3).toFixed(3));
    label(f, w);
  }
  function show(f, on) { f.g.style.display = on ? "" : "none"; }
  function unzoom() {
    frames.forEach(function (f) {
      show(f, true);
      f.g.classList.remove("parent");
      place(f, f.x, f.w);
    });
    unzoomBtn.classList.add("hide");
  }
  function zoom(z) {
    var full = FLAME_W - 2 * FLAME_PAD, k = full / z.w;
    frames.forEach(function (f) {
      var covers = f.x <= z.x + EPS && f.x + f.w >= z.x + z.w - EPS;
      var inside = f.x >= z.x - EPS && f.x + f.w <= z.x + z.w + EPS;
      if (f.y > z.y && covers) {
        show(f, true);
        f.g.classList.add("parent");
        place(f, FLAME_PAD, full);
      } else if (f.y <= z.y && inside) {
        show(f, true);
        f.g.classList.remove("parent");
        place(f, FLAME_PAD + (f.x - z.x) * k, f.w * k);
      } else {
        show(f, false);
      }
    });
    unzoomBtn.classList.remove("hide");
  }
  function search(text) {
    term = text || "";
    var re = null;
    if (term) {
      try { re = new RegExp(term); } catch (err) { matched.textContent = "bad regexp: " + term; return; }
    }
    var spans = [];
    frames.forEach(function (f) {
      var hit = re !== null && re.test(f.name);
      f.r.setAttribute("fill", hit ? FLAME_MATCH : f.fill);
      if (hit) { spans.push([f.x, f.x + f.w]); }
    });
    if (re === null) {
      matched.textContent = " ";
      searchBtn.textContent = "Search";
      return;
    }
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var covered = 0, end = -Infinity;
    spans.forEach(function (s) {
      if (s[1] > end) { covered += s[1] - Math.max(s[0], end); end = s[1]; }
    });
    matched.textContent = "Matched: " + (100 * covered / (FLAME_W - 2 * FLAME_PAD)).toFixed(1) + "%";
    searchBtn.textContent = "Reset Search";
  }
  function askSearch() {
    if (term) { search(""); return; }
    var text = window.prompt("Search frames (regular expression):", "");
    if (text) { search(text); }
  }
  root.addEventListener("mouseover", function (e) {
    var f = frameOf(e.target);
    details.textContent = f ? f.info : " ";
  });
  root.addEventListener("click", function (e) {
    if (e.target === unzoomBtn) { unzoom(); return; }
    if (e.target === searchBtn) { askSearch(); return; }
    var f = frameOf(e.target);
    if (f) { zoom(f); }
  });
  doc.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { unzoom(); search(""); }
    else if ((e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); search(""); askSearch(); }
  });
  function param(name) {
    var m = new RegExp("[?&]" + name + "=([^&]*)").exec(window.location.search || "");
    return m ? decodeURIComponent(m[1].replace(/\+/g, " ")) : "";
  }
  // ?z=REGEXP zooms to the widest matching frame; ?s=REGEXP searches.
  var zq = param("z"), sq = param("s");
  if (zq) {
    try {
      var zre = new RegExp(zq), best = null;
      frames.forEach(function (f) { if (zre.test(f.name) && (!best || f.w > best.w)) { best = f; } });
      if (best) { zoom(best); }
    } catch (err) { matched.textContent = "bad regexp: " + zq; }
  }
  if (sq) { search(sq); }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn two_stacks() -> Profile {
        let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count")]);
        let main = b.function("main", "m.go", 1);
        let a = b.function("a", "m.go", 2);
        let z = b.function("z", "m.go", 3);
        let lm = b.location(None, 1, &[(main, 1)]);
        let la = b.location(None, 2, &[(a, 2)]);
        let lz = b.location(None, 3, &[(z, 3)]);
        b.sample(&[lz, lm], &[3]);
        b.sample(&[la, lm], &[1]);
        b.sample(&[la, lz, lm], &[2]);
        b.build()
    }

    #[test]
    fn flame_tree_lists_parents_first_and_siblings_by_name() {
        let t = flame_tree(&two_stacks(), &FlameTreeOptions::default()).unwrap();
        let rows: Vec<(&str, u32, i64, i64)> = t
            .nodes
            .iter()
            .map(|n| (t.names[n.name as usize].as_str(), n.parent, n.cum, n.flat))
            .collect();
        assert_eq!(
            rows,
            [
                ("root", 0, 6, 0),
                ("main", 0, 6, 0),
                ("a", 1, 1, 1),
                ("z", 1, 5, 3),
                ("a", 3, 2, 2)
            ]
        );
        assert!(!t.diff);
        // Callers: the leaves are at the root; narrow nodes are left out.
        let o = FlameTreeOptions {
            callers: true,
            min_share: 0.5,
            ..Default::default()
        };
        let t = flame_tree(&two_stacks(), &o).unwrap();
        let rows: Vec<(&str, i64)> = t
            .nodes
            .iter()
            .map(|n| (t.names[n.name as usize].as_str(), n.cum))
            .collect();
        assert_eq!(rows, [("root", 6), ("a", 3), ("z", 3), ("main", 3)]);
    }

    #[test]
    fn labels_fit_or_truncate() {
        assert_eq!(fit_label("main.main", 200.0), "main.main");
        assert_eq!(fit_label("main.main", 6.0 + 5.0 * CHAR_W), "mai..");
        assert_eq!(fit_label("main.main", 10.0), "");
    }

    #[test]
    fn diff_colors_are_red_and_blue() {
        assert!(diff_color(10, 10).starts_with("rgb(255,"));
        assert!(diff_color(-10, 10).ends_with(",255)"));
        assert_eq!(diff_color(0, 10), "rgb(235,235,235)");
    }

    #[test]
    fn hot_colors_are_stable() {
        assert_eq!(hot_color("main.f"), hot_color("main.f"));
    }

    /// A profile of random stacks: inlined frames, recursion, base
    /// (negative) samples and a second value for `-mean`.
    fn random_profile(seed: u64) -> Profile {
        let mut next = pprof_testkit::numbers(seed);
        let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count"), ("cpu", "ns")]);
        let funcs: Vec<_> = (0..9)
            .map(|i| b.function(&format!("pkg.f{i}"), "f.go", i))
            .collect();
        let mut locs = Vec::new();
        for i in 0..14u64 {
            let mut lines = vec![(funcs[next(9) as usize], i as i64)];
            if next(3) == 0 {
                lines.push((funcs[next(9) as usize], 1));
            }
            locs.push(b.location(None, 0x1000 + i, &lines));
        }
        for _ in 0..300 {
            let depth = 1 + next(7) as usize;
            let stack: Vec<_> = (0..depth).map(|_| locs[next(14) as usize]).collect();
            let v = next(50) as i64 - 8;
            b.sample(&stack, &[1 + next(3) as i64, v]);
        }
        b.build()
    }

    /// The tree by brute force: every prefix of every stack, in the
    /// order of the paths (a parent before its children, siblings by name).
    fn brute_force(p: &Profile, o: &FlameTreeOptions) -> Vec<(Vec<String>, i64, i64, i64)> {
        use std::collections::BTreeMap;
        let st = &o.stacks;
        let mut sums: BTreeMap<Vec<String>, [i64; 6]> = BTreeMap::new();
        for s in &p.samples {
            let v = s.values[st.sample_index];
            let d = st.mean_divisor.map_or(0, |i| s.values[i]);
            if v == 0 && d == 0 {
                continue;
            }
            let mut path: Vec<String> = Vec::new();
            for l in s.locations.iter().rev() {
                path.extend(crate::stacks::location_frame_names(
                    p,
                    &p.locations[l.index()],
                    st,
                ));
            }
            if o.callers {
                path.reverse();
            }
            for k in 0..=path.len() {
                let e = sums.entry(path[..k].to_vec()).or_default();
                e[0] += v.max(0);
                e[1] += (-v).max(0);
                e[2] += d;
                if k == path.len() {
                    e[3] += v;
                    e[4] += d;
                }
            }
        }
        let mean = st.mean_divisor.is_some();
        let min = (sums.get(&Vec::new()).map_or(0, |e| e[0] + e[1]) as f64 * o.min_share) as i64;
        let mut out = Vec::new();
        let mut dropped: Vec<Vec<String>> = Vec::new();
        for (path, e) in sums {
            let width = e[0] + e[1];
            if !path.is_empty()
                && (width < min || width == 0 || dropped.iter().any(|d| path.starts_with(d)))
            {
                dropped.push(path);
                continue;
            }
            out.push((
                path,
                mean_value(e[0] - e[1], e[2], mean),
                mean_value(e[3], e[4], mean),
                mean_value(e[1], e[2], mean),
            ));
        }
        out
    }

    #[test]
    fn flame_tree_is_the_tree_of_all_stack_prefixes() {
        for seed in 1..4 {
            let p = random_profile(seed);
            for (callers, min_share, inline_frames, mean, index) in [
                (false, 0.0, true, false, 0),
                (true, 0.0, true, false, 1),
                (false, 0.02, true, true, 1),
                (true, 0.05, false, false, 1),
                (false, 0.01, false, true, 0),
            ] {
                let o = FlameTreeOptions {
                    stacks: StackOptions {
                        sample_index: index,
                        mean_divisor: mean.then_some(0),
                        inline_frames,
                        ..Default::default()
                    },
                    callers,
                    min_share,
                };
                let t = flame_tree(&p, &o).unwrap();
                let mut paths: Vec<Vec<String>> = Vec::new();
                let got: Vec<(Vec<String>, i64, i64, i64)> = t
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let mut path = if i == 0 {
                            Vec::new()
                        } else {
                            paths[n.parent as usize].clone()
                        };
                        if i > 0 {
                            path.push(t.names[n.name as usize].clone());
                        }
                        assert_eq!(n.depth as usize, path.len());
                        paths.push(path.clone());
                        (path, n.cum, n.flat, n.cum_base)
                    })
                    .collect();
                assert_eq!(
                    got,
                    brute_force(&p, &o),
                    "seed {seed}, callers {callers}, share {min_share}"
                );
                assert_eq!(t.diff, index == 1);
            }
        }
    }
}
