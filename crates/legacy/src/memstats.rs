//! The `# runtime.MemStats` block that Go appends to `heap?debug=1` pages.

/// Go's `runtime.MemStats` as printed at the end of a `debug=1` heap profile.
///
/// pprof ignores this block (it is made of comment lines); it is kept here
/// so that reports can show it. Fields missing from the text stay zero;
/// every `key = value` pair is also kept verbatim in [`MemStats::entries`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemStats {
    /// Bytes of allocated heap objects.
    pub alloc: u64,
    /// Cumulative bytes allocated.
    pub total_alloc: u64,
    /// Bytes obtained from the OS.
    pub sys: u64,
    /// Pointer lookups.
    pub lookups: u64,
    /// Cumulative count of allocated objects.
    pub mallocs: u64,
    /// Cumulative count of freed objects.
    pub frees: u64,
    /// Heap bytes allocated.
    pub heap_alloc: u64,
    /// Heap bytes obtained from the OS.
    pub heap_sys: u64,
    /// Heap bytes in idle spans.
    pub heap_idle: u64,
    /// Heap bytes in in-use spans.
    pub heap_inuse: u64,
    /// Heap bytes released to the OS.
    pub heap_released: u64,
    /// Allocated heap objects.
    pub heap_objects: u64,
    /// Stack bytes in use (first number of `Stack = a / b`).
    pub stack_inuse: u64,
    /// Stack bytes obtained from the OS.
    pub stack_sys: u64,
    /// mspan bytes in use.
    pub mspan_inuse: u64,
    /// mspan bytes obtained from the OS.
    pub mspan_sys: u64,
    /// mcache bytes in use.
    pub mcache_inuse: u64,
    /// mcache bytes obtained from the OS.
    pub mcache_sys: u64,
    /// Profiling bucket hash table bytes.
    pub buck_hash_sys: u64,
    /// GC metadata bytes.
    pub gc_sys: u64,
    /// Other runtime bytes.
    pub other_sys: u64,
    /// Heap size target of the next GC.
    pub next_gc: u64,
    /// Time of the last GC, ns since the epoch.
    pub last_gc: u64,
    /// Recent GC pause times, ns (circular buffer).
    pub pause_ns: Vec<u64>,
    /// Recent GC pause end times, ns since the epoch.
    pub pause_end: Vec<u64>,
    /// Completed GC cycles.
    pub num_gc: u64,
    /// Forced GC cycles.
    pub num_forced_gc: u64,
    /// Fraction of CPU time used by the GC.
    pub gc_cpu_fraction: f64,
    /// Whether GC debugging is on.
    pub debug_gc: bool,
    /// Maximum resident set size, when printed (Linux).
    pub max_rss: Option<u64>,
    /// Every `key = value` pair in file order, values as written.
    pub entries: Vec<(String, String)>,
}

fn num(v: &str) -> u64 {
    v.trim().parse().unwrap_or(0)
}

fn pair(v: &str) -> (u64, u64) {
    match v.split_once('/') {
        Some((a, b)) => (num(a), num(b)),
        None => (num(v), 0),
    }
}

fn list(v: &str) -> Vec<u64> {
    v.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split_whitespace()
        .map(num)
        .collect()
}

impl MemStats {
    /// Finds and reads the `# runtime.MemStats` block of a Go heap profile;
    /// `None` when the text has none.
    pub fn parse(text: &str) -> Option<MemStats> {
        let start = text.find("# runtime.MemStats")?;
        let mut m = MemStats::default();
        for line in text[start..].lines().skip(1) {
            let Some(body) = line.strip_prefix("# ") else {
                if line.trim().is_empty() {
                    continue;
                }
                break;
            };
            let Some((k, v)) = body.split_once(" = ") else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            match k {
                "Alloc" => m.alloc = num(v),
                "TotalAlloc" => m.total_alloc = num(v),
                "Sys" => m.sys = num(v),
                "Lookups" => m.lookups = num(v),
                "Mallocs" => m.mallocs = num(v),
                "Frees" => m.frees = num(v),
                "HeapAlloc" => m.heap_alloc = num(v),
                "HeapSys" => m.heap_sys = num(v),
                "HeapIdle" => m.heap_idle = num(v),
                "HeapInuse" => m.heap_inuse = num(v),
                "HeapReleased" => m.heap_released = num(v),
                "HeapObjects" => m.heap_objects = num(v),
                "Stack" => (m.stack_inuse, m.stack_sys) = pair(v),
                "MSpan" => (m.mspan_inuse, m.mspan_sys) = pair(v),
                "MCache" => (m.mcache_inuse, m.mcache_sys) = pair(v),
                "BuckHashSys" => m.buck_hash_sys = num(v),
                "GCSys" => m.gc_sys = num(v),
                "OtherSys" => m.other_sys = num(v),
                "NextGC" => m.next_gc = num(v),
                "LastGC" => m.last_gc = num(v),
                "PauseNs" => m.pause_ns = list(v),
                "PauseEnd" => m.pause_end = list(v),
                "NumGC" => m.num_gc = num(v),
                "NumForcedGC" => m.num_forced_gc = num(v),
                "GCCPUFraction" => m.gc_cpu_fraction = v.parse().unwrap_or(0.0),
                "DebugGC" => m.debug_gc = v == "true",
                "MaxRSS" => m.max_rss = Some(num(v)),
                _ => {}
            }
            m.entries.push((k.to_string(), v.to_string()));
        }
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_block() {
        let t = "x\n\n# runtime.MemStats\n# Alloc = 10\n# Stack = 3 / 4\n# PauseNs = [1 2 0]\n\
                 # GCCPUFraction = 0.5\n# DebugGC = false\n";
        let m = MemStats::parse(t).unwrap();
        assert_eq!(m.alloc, 10);
        assert_eq!((m.stack_inuse, m.stack_sys), (3, 4));
        assert_eq!(m.pause_ns, vec![1, 2, 0]);
        assert_eq!(m.gc_cpu_fraction, 0.5);
        assert_eq!(m.entries.len(), 5);
        assert!(MemStats::parse("none").is_none());
    }
}
