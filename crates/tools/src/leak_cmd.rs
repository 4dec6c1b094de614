//! `pprof-tools leak SNAPSHOT...`: finds goroutine and heap leaks across
//! snapshots of one program (see the `pprof-leak` crate).

use std::io::Write;
use std::path::{Path, PathBuf};

use pprof_leak::render::{self, RenderOptions};
use pprof_leak::{Granularity, Mode, Options};

/// Exit code when a leak is suspected.
pub const EXIT_LEAK: i32 = 3;

/// The `--help` text of the subcommand.
pub const USAGE: &str = "\
usage: pprof-tools leak [options] SNAPSHOT SNAPSHOT...

Finds goroutine leaks (and heap growth) across two or more snapshots of one
program. Snapshots are goroutine profiles (?debug=0 proto) and/or heap
profiles, in any order: they are sorted by profile time (given order when
times are missing). Goroutine and heap snapshots are told apart by their
sample types and analysed separately; growing heap paths are linked to the
goroutine suspects that share a function with them.

A stack is a suspect when its count never decreases across the snapshots
and grows by at least -min_growth goroutines (-min_heap_growth bytes for
heap) and by at least -min_relative of its first count.

Exit status: 0 no leak, 3 leak suspected, 1 error.

Output:
  -json               Print the report as JSON instead of text
  -html FILE          Also write an HTML report with a sparkline per suspect
  -svg FILE           Also write an SVG with a sparkline per suspect
  -all                List every stack, not only suspects
  -top N              Most suspects printed per analysis (default 20, 0 = all)
  -frames N           Frames printed per suspect stack (default 12)

Analysis:
  -heap               Every snapshot must be a heap profile (inuse_space)
  -goroutine          Every snapshot must be a goroutine profile
  -lines              Tell frames apart by line (default: by function)
  -functions          Tell frames apart by function (default)
  -ignore_top FUNC    Never flag goroutines blocked in FUNC (its blocking
                      frame or a frame above it); repeatable, comma lists ok
  -min_growth N       Goroutines a stack must gain, first to last (default 5)
  -min_heap_growth B  Bytes a heap stack must gain (default 1MiB; suffixes
                      KB, MB, GB, KiB, MiB, GiB accepted)
  -min_relative F     Gain relative to the first snapshot (default 0.1 = 10%)
  -min_rate R         Gain per minute, when snapshots have times (default 0)
  -min_snapshots N    Snapshots needed per analysis (default 2)
  -stack_size B       Stack bytes counted per goroutine (default 8KiB)
  -source_path DIRS   Where to find sources to locate the `go` statement
                      creating goroutines when no debug=2 label tells
                      (':'-separated; default $PPROF_SOURCE_PATH, else .)

Live mode: pprof-tools leak -every 10s -count 6 URL
  -every DURATION     Time between snapshots (default 10s; Go syntax: 500ms, 1m)
  -count N            Snapshots to take (default 6)
  -with_heap          Also fetch the heap profile at each snapshot
  URL is a server (host:port or http://host:port) or a profile URL; without
  a path, /debug/pprof/goroutine is fetched (/debug/pprof/heap with -heap).
  Each snapshot is saved like a normal fetch ($PPROF_TMPDIR, $HOME/pprof or
  the temporary directory) and a progress line goes to standard error.
";

struct Cli {
    files: Vec<String>,
    opts: Options,
    render: RenderOptions,
    json: bool,
    html: Option<String>,
    svg: Option<String>,
    source_path: Option<String>,
    every: Option<std::time::Duration>,
    count: Option<usize>,
    with_heap: bool,
}

fn parse_bytes(v: &str) -> Option<i64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let b = (num * mult).round();
    (b.is_finite() && b >= 0.0 && b < i64::MAX as f64).then_some(b as i64)
}

fn parse_args(args: &[String]) -> Result<Option<Cli>, String> {
    let mut cli = Cli {
        files: Vec::new(),
        opts: Options::default(),
        render: RenderOptions::default(),
        json: false,
        html: None,
        svg: None,
        source_path: None,
        every: None,
        count: None,
        with_heap: false,
    };
    let mut i = 0;
    let mut only_files = false;
    while let Some(arg) = args.get(i) {
        i += 1;
        if only_files || !arg.starts_with('-') || arg == "-" {
            cli.files.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_files = true;
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n.replace('-', "_"), Some(v.to_string())),
            None => (body.replace('-', "_"), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            if let Some(v) = &inline {
                return Ok(v.clone());
            }
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("flag -{what} needs a value"))?;
            i += 1;
            Ok(v)
        };
        let num = |v: String, what: &str| -> Result<i64, String> {
            v.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("invalid value {v:?} for -{what}"))
        };
        match name.as_str() {
            "h" | "help" => return Ok(None),
            "json" => cli.json = true,
            "all" => cli.render.all = true,
            "heap" => cli.opts.mode = Mode::Heap,
            "goroutine" | "goroutines" => cli.opts.mode = Mode::Goroutine,
            "lines" => cli.opts.granularity = Granularity::Lines,
            "functions" => cli.opts.granularity = Granularity::Functions,
            "html" => cli.html = Some(value("html")?),
            "svg" => cli.svg = Some(value("svg")?),
            "top" => cli.render.max_suspects = num(value("top")?, "top")? as usize,
            "frames" => cli.render.max_frames = num(value("frames")?, "frames")? as usize,
            "ignore_top" => {
                let v = value("ignore_top")?;
                cli.opts.ignore_top.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
            "min_growth" => cli.opts.min_growth = num(value(&name)?, &name)?,
            "min_snapshots" => cli.opts.min_snapshots = num(value(&name)?, &name)? as usize,
            "min_heap_growth" | "stack_size" => {
                let v = value(&name)?;
                let b = parse_bytes(&v).ok_or_else(|| format!("invalid size {v:?} for -{name}"))?;
                if name == "stack_size" {
                    cli.opts.stack_bytes = b;
                } else {
                    cli.opts.min_heap_growth = b;
                }
            }
            "min_relative" | "min_rate" => {
                let v = value(&name)?;
                let f: f64 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite() && *f >= 0.0)
                    .ok_or_else(|| format!("invalid value {v:?} for -{name}"))?;
                if name == "min_rate" {
                    cli.opts.min_rate_per_minute = f;
                } else {
                    cli.opts.min_relative_growth = f;
                }
            }
            "source_path" => cli.source_path = Some(value("source_path")?),
            "every" => {
                let v = value("every")?;
                let d = parse_duration(&v)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| format!("invalid duration {v:?} for -every"))?;
                cli.every = Some(d);
            }
            "count" => {
                let n = num(value("count")?, "count")?;
                cli.count = Some(n as usize);
            }
            "with_heap" => cli.with_heap = true,
            _ => return Err(format!("unknown flag {arg}")),
        }
    }
    Ok(Some(cli))
}

/// Finds a source file named in a profile like pprof does: an absolute
/// path as is, otherwise joined to each search directory and its parents.
fn find_source(file: &str, search: &[PathBuf]) -> Option<PathBuf> {
    let p = Path::new(file);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    for dir in search {
        let mut d: Option<&Path> = Some(dir.as_path());
        while let Some(cur) = d {
            let cand = cur.join(p);
            if cand.is_file() {
                return Some(cand);
            }
            d = cur.parent().filter(|q| !q.as_os_str().is_empty());
        }
    }
    None
}

/// Parses a Go duration such as `10s`, `1m30s`, `500ms`.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest.get(..n)?.parse().ok()?;
        rest = rest.get(n..)?;
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let secs = match rest.get(..u)? {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = rest.get(u..)?;
        total += num * secs;
    }
    (total.is_finite() && total < 1e9).then(|| std::time::Duration::from_secs_f64(total))
}

/// The profile URL for one kind of snapshot: a URL without a path gets
/// `/debug/pprof/goroutine` (or `/debug/pprof/heap`).
fn live_url(source: &str, endpoint: &str) -> Option<pprof_fetch::http::RemoteSource> {
    let mut remote = pprof_fetch::http::adjust_url(source, None, None)?;
    const CPU: &str = "/debug/pprof/profile";
    if !source.contains(CPU) {
        if let Some(base) = remote.url.strip_suffix(CPU) {
            remote.url = format!("{base}/debug/pprof/{endpoint}");
        } else if endpoint == "heap" {
            // An explicit goroutine path: fetch the heap next to it.
            remote.url = remote.url.replace("/goroutine", "/heap");
        }
    }
    Some(remote)
}

/// Live mode: fetches `count` snapshots `every` apart, saving each one like
/// a normal fetch and printing a progress line per snapshot.
fn fetch_live(
    cli: &Cli,
    source: &str,
    err: &mut dyn Write,
) -> Result<Vec<pprof_model::Profile>, String> {
    let every = cli.every.unwrap_or(std::time::Duration::from_secs(10));
    let count = cli.count.unwrap_or(6);
    if count < 2 {
        return Err(format!("-count must be at least 2, got {count}"));
    }
    let mut endpoints = vec![if cli.opts.mode == Mode::Heap {
        "heap"
    } else {
        "goroutine"
    }];
    if cli.with_heap && cli.opts.mode != Mode::Heap {
        endpoints.push("heap");
    }
    let mut remotes = Vec::new();
    for e in &endpoints {
        let r = live_url(source, e).ok_or_else(|| format!("{source}: not a URL"))?;
        remotes.push((*e, r));
    }
    let opts = pprof_fetch::http::HttpOptions::default();
    let mut profiles = Vec::new();
    for i in 0..count {
        let start = std::time::Instant::now();
        for (endpoint, remote) in &remotes {
            let data = pprof_fetch::http::fetch_bytes(remote, &opts, None)
                .map_err(|e| format!("{}: {e}", remote.url))?;
            let p = pprof_model::decode(&data).map_err(|e| format!("{}: {e}", remote.url))?;
            let total: i64 = match p.sample_type_index(if *endpoint == "heap" {
                "inuse_space"
            } else {
                "goroutine"
            }) {
                Some(vi) => p
                    .samples
                    .iter()
                    .filter_map(|s| s.values.get(vi))
                    .fold(0i64, |a, v| a.saturating_add(*v)),
                None => 0,
            };
            let what = if *endpoint == "heap" {
                format!("{} in use", pprof_leak::render::format_bytes(total))
            } else {
                format!("{total} goroutines")
            };
            let saved = match pprof_fetch::http::save_profile(&p) {
                Ok(s) => {
                    for w in &s.warnings {
                        let _ = writeln!(err, "{w}");
                    }
                    format!("saved {}", s.path.display())
                }
                Err(e) => format!("not saved: {e}"),
            };
            let _ = writeln!(
                err,
                "Snapshot {}/{count} of {}: {what}, {saved}",
                i + 1,
                remote.url
            );
            profiles.push(p);
        }
        if i + 1 < count {
            std::thread::sleep(every.saturating_sub(start.elapsed()));
        }
    }
    Ok(profiles)
}

/// Reads a snapshot file: profile.proto (gzip or not) first, then the
/// legacy text formats (`debug=1` pages, `debug=2` goroutine dumps, crash
/// tracebacks) through `pprof-legacy`.
pub fn load_snapshot(path: &str) -> Result<pprof_model::Profile, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let proto_err = match pprof_model::decode(&data) {
        Ok(p) => return Ok(p),
        Err(e) if e.is_not_proto() => e,
        Err(e) => return Err(format!("{path}: {e}")),
    };
    let raw = pprof_model::maybe_decompress(&data, &pprof_model::DecodeOptions::default())
        .map_err(|e| format!("{path}: {e}"))?;
    match pprof_legacy::parse(&raw) {
        Ok(p) => Ok(p),
        Err(e) if e.is_unrecognized() => Err(format!(
            "{path}: unrecognized snapshot format (not profile.proto: {proto_err})"
        )),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// Runs `pprof-tools leak` with the arguments after the subcommand name.
/// Returns the exit code: 0 no leak, 3 leak suspected, 1 error.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with(args, out, err, &load_snapshot)
}

/// Like [`run`], reading each snapshot argument with `load` (a file name or
/// URL to a profile, or an error message).
pub fn run_with(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
    load: &dyn Fn(&str) -> Result<pprof_model::Profile, String>,
) -> i32 {
    let cli = match parse_args(args) {
        Ok(Some(c)) => c,
        Ok(None) => {
            let _ = out.write_all(USAGE.as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = writeln!(err, "leak: {e}");
            let _ = err.write_all(USAGE.as_bytes());
            return 1;
        }
    };
    let live = cli.every.is_some() || cli.count.is_some();
    let urls = cli
        .files
        .iter()
        .filter(|f| matches!(pprof_fetch::classify(f), pprof_fetch::SourceKind::Url(_)))
        .count();
    let profiles = if live || urls > 0 {
        if cli.files.len() != 1 || urls != 1 {
            let _ = writeln!(
                err,
                "leak: live mode takes exactly one URL (-every DURATION -count N URL)"
            );
            return 1;
        }
        match fetch_live(&cli, &cli.files[0], err) {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(err, "leak: {e}");
                return 1;
            }
        }
    } else {
        if cli.files.is_empty() {
            let _ = writeln!(err, "leak: no snapshots given");
            let _ = err.write_all(USAGE.as_bytes());
            return 1;
        }
        let mut profiles = Vec::with_capacity(cli.files.len());
        for f in &cli.files {
            match load(f) {
                Ok(p) => profiles.push(p),
                Err(e) => {
                    let _ = writeln!(err, "leak: {e}");
                    return 1;
                }
            }
        }
        profiles
    };
    let search: Vec<PathBuf> = cli
        .source_path
        .clone()
        .or_else(|| std::env::var("PPROF_SOURCE_PATH").ok())
        .unwrap_or_else(|| ".".to_string())
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    let mut reader = |file: &str| -> Option<String> {
        find_source(file, &search).and_then(|p| std::fs::read_to_string(p).ok())
    };
    let report = match pprof_leak::analyze_with_source(&profiles, &cli.opts, Some(&mut reader)) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "leak: {e}");
            return 1;
        }
    };
    let text = if cli.json {
        render::json(&report)
    } else {
        render::text(&report, &cli.render)
    };
    if let Err(e) = out.write_all(text.as_bytes()) {
        let _ = writeln!(err, "leak: writing report: {e}");
        return 1;
    }
    let files = [
        (
            cli.html.as_ref(),
            render::html(&report, &cli.render),
            "HTML",
        ),
        (cli.svg.as_ref(), render::svg(&report), "SVG"),
    ];
    for (path, body, what) in files {
        let Some(path) = path else { continue };
        if let Err(e) = std::fs::write(path, body) {
            let _ = writeln!(err, "leak: writing {what} report {path}: {e}");
            return 1;
        }
    }
    if report.leak_suspected() {
        EXIT_LEAK
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flags_parse() {
        let cli = parse_args(&s(&[
            "--json",
            "-ignore-top=main.a,main.b",
            "--min_growth",
            "7",
            "-min_heap_growth=2MiB",
            "a.pb.gz",
            "b.pb.gz",
        ]))
        .unwrap()
        .unwrap();
        assert!(cli.json);
        assert_eq!(cli.opts.ignore_top, vec!["main.a", "main.b"]);
        assert_eq!(cli.opts.min_growth, 7);
        assert_eq!(cli.opts.min_heap_growth, 2 << 20);
        assert_eq!(cli.files, vec!["a.pb.gz", "b.pb.gz"]);
        assert!(parse_args(&s(&["-bogus"])).is_err());
        assert!(parse_args(&s(&["-h"])).unwrap().is_none());
    }

    fn fixture(dir: &str, file: &str) -> String {
        format!(
            "{}/../leak/tests/fixtures/{dir}/{file}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    fn run_on(extra: &[&str], dir: &str, files: &[&str]) -> (i32, String, String) {
        let mut args = s(extra);
        args.extend(files.iter().map(|f| fixture(dir, f)));
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let code = run(&args, &mut o, &mut e);
        (
            code,
            String::from_utf8_lossy(&o).into_owned(),
            String::from_utf8_lossy(&e).into_owned(),
        )
    }

    const PROTOS: [&str; 3] = [
        "goroutine.001.pb.gz",
        "goroutine.002.pb.gz",
        "goroutine.003.pb.gz",
    ];

    #[test]
    fn exit_codes_gate_ci() {
        let (code, out, err) = run_on(&[], "shapes", &PROTOS);
        assert_eq!(code, EXIT_LEAK, "{err}");
        assert!(out.contains("5 suspect(s):"), "{out}");
        assert!(out.ends_with("Verdict: leak suspected\n"));
        let (code, out, _) = run_on(&[], "steady", &PROTOS);
        assert_eq!(code, 0);
        assert!(out.ends_with("Verdict: no leak\n"));
        // Allow-listing every leaking function clears the gate.
        let ignore = "-ignore_top=main.sendWorker,main.recvWorker,main.selectWorker,main.lockWorker,main.bufferHolder";
        let (code, _, _) = run_on(&[ignore], "shapes", &PROTOS);
        assert_eq!(code, 0);
    }

    #[test]
    fn json_svg_html_and_dumps() {
        let dir = std::env::temp_dir().join(format!("leak_cmd_test_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let html = dir.join("r.html").display().to_string();
        let svg = dir.join("r.svg").display().to_string();
        let (code, out, err) = run_on(
            &["-json", "-html", &html, "--svg", &svg],
            "shapes",
            &[
                "goroutine.001.debug2.txt",
                "goroutine.002.debug2.txt",
                "goroutine.003.debug2.txt",
            ],
        );
        assert_eq!(code, EXIT_LEAK, "{err}");
        assert!(out.starts_with("{\"leak_suspected\":true"), "{out}");
        assert!(out.contains("\"created_by\":{\"function\":\"main.handleSend\""));
        let h = std::fs::read_to_string(&html).unwrap();
        let v = std::fs::read_to_string(&svg).unwrap();
        assert_eq!(h.matches("<polyline").count(), 5);
        assert_eq!(v.matches("<polyline").count(), 5);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn errors_exit_1() {
        let (code, _, err) = run_on(&[], "shapes", &["goroutine.001.pb.gz"]);
        assert_eq!(code, 1);
        assert!(err.contains("at least 2 snapshots"), "{err}");
        let (code, _, err) = run_on(&[], "shapes", &["missing.pb.gz", "x"]);
        assert_eq!(code, 1);
        assert!(err.contains("missing.pb.gz"), "{err}");
        let (code, _, _) = run_on(&[], "shapes", &[]);
        assert_eq!(code, 1);
    }

    #[test]
    fn live_mode_arguments() {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let code = run(&s(&["-every", "10s", "a.pb.gz", "b.pb.gz"]), &mut o, &mut e);
        assert_eq!(code, 1);
        assert!(String::from_utf8_lossy(&e).contains("exactly one URL"));
        let mut e = Vec::new();
        let code = run(&s(&["-count", "1", "localhost:1"]), &mut o, &mut e);
        assert_eq!(code, 1);
        assert!(String::from_utf8_lossy(&e).contains("at least 2"));
        assert_eq!(
            parse_duration("1m30s"),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration("250ms"),
            Some(std::time::Duration::from_millis(250))
        );
        assert_eq!(parse_duration("10"), None);
        assert_eq!(
            live_url("localhost:6060", "goroutine").unwrap().url,
            "http://localhost:6060/debug/pprof/goroutine"
        );
        assert_eq!(
            live_url("http://h:1/debug/pprof/goroutine", "heap")
                .unwrap()
                .url,
            "http://h:1/debug/pprof/heap"
        );
    }

    /// Builds and runs crates/leak/tests/gosrc/leakserver, then finds its
    /// leak from the live URL. Skipped (with the reason printed) when `go`
    /// is not on PATH.
    #[test]
    fn e2e_live_go_service() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        if Command::new("go").arg("version").output().is_err() {
            eprintln!("skipping e2e_live_go_service: `go` is not on PATH");
            return;
        }
        let src = format!(
            "{}/../leak/tests/gosrc/leakserver",
            env!("CARGO_MANIFEST_DIR")
        );
        let tmp = std::env::temp_dir().join(format!("leak_e2e_{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let bin = tmp.join("leakserver");
        let built = Command::new("go")
            .args(["build", "-trimpath", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&src)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "go build: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let mut child = Command::new(&bin).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_string();
        std::env::set_var("PPROF_TMPDIR", &tmp);
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let code = run(
            &s(&["-every", "300ms", "-count", "3", "-with_heap", &addr]),
            &mut o,
            &mut e,
        );
        let _ = child.kill();
        let _ = child.wait();
        let out = String::from_utf8_lossy(&o).into_owned();
        let err = String::from_utf8_lossy(&e).into_owned();
        let saved = std::fs::read_dir(&tmp)
            .unwrap()
            .filter(|f| {
                f.as_ref()
                    .is_ok_and(|f| f.file_name().to_string_lossy().ends_with(".pb.gz"))
            })
            .count();
        let _ = std::fs::remove_dir_all(&tmp);
        assert_eq!(code, EXIT_LEAK, "{out}\n{err}");
        assert_eq!(err.matches("Snapshot ").count(), 6, "{err}");
        assert_eq!(saved, 6, "{err}");
        assert!(out.contains("#1 main.serveJob"), "{out}");
        assert!(
            out.contains("blocked on:  chan send at main.serveJob"),
            "{out}"
        );
    }
}
