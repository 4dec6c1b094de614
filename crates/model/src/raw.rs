//! The `-raw` text dump of a profile, identical to Go pprof's `Profile.String()`.

use std::fmt::Write as _;

use crate::gofmt::{
    duration_string, push_int, push_int_padded, push_uint, push_uint_padded, time_string,
    truncate_chars,
};
use crate::profile::{Location, Mapping, Profile};
use crate::Dialect;

/// Buffers reused from sample to sample by the `-raw` writer: the label
/// entries of one sample (text, and each entry's kind and place in it), and
/// the order they are printed in.
#[derive(Default)]
struct RawScratch {
    text: String,
    spans: Vec<(bool, usize, usize)>,
    order: Vec<(usize, usize)>,
}

impl Profile {
    /// The debugging dump that today's `pprof -raw` prints: comments, the
    /// documentation URL, period, time, duration, samples with their
    /// values, location ids and labels, then locations (with column
    /// numbers) and mappings. Byte-identical to Go's `Profile.String()`.
    pub fn to_raw_string(&self) -> String {
        self.to_raw_string_in(Dialect::Go127)
    }

    /// The `-raw` dump as the pprof of `dialect` prints it: go1.19's
    /// ([`Dialect::Go119`]) has no `Doc:` line and no column numbers.
    pub fn to_raw_string_in(&self, dialect: Dialect) -> String {
        let mut bytes = Vec::with_capacity(128 + self.samples.len() * 64);
        // Writing into a Vec cannot fail.
        let _ = self.write_raw(&mut bytes, dialect);
        // Every piece written is a `str`.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Writes [`Profile::to_raw_string_in`]'s text to `w` in pieces,
    /// without holding the whole dump in memory; the samples' lines are
    /// made on two threads ([`crate::chunks::write_in_order`]).
    pub fn write_raw<W: std::io::Write + ?Sized>(
        &self,
        w: &mut W,
        dialect: Dialect,
    ) -> std::io::Result<()> {
        const FLUSH: usize = 256 << 10;
        let mut out = String::with_capacity(FLUSH + 4096);
        for c in &self.comments {
            let _ = writeln!(out, "Comment: {}", self.str(*c));
        }
        if dialect == Dialect::Go127 && !self.doc_url.is_empty() {
            let _ = writeln!(out, "Doc: {}", self.str(self.doc_url));
        }
        // Go prints the period type whenever it is set, which after decoding is always.
        let pt = &self.period_type;
        let _ = writeln!(
            out,
            "PeriodType: {} {}",
            self.str(pt.r#type),
            self.str(pt.unit)
        );
        let _ = writeln!(out, "Period: {}", self.period);
        if self.time_nanos != 0 {
            let _ = writeln!(out, "Time: {}", time_string(self.time_nanos));
        }
        if self.duration_nanos != 0 {
            let d = duration_string(self.duration_nanos);
            let _ = writeln!(out, "Duration: {}", truncate_chars(&d, 4));
        }
        out.push_str("Samples:\n");
        let dflt = self.str(self.default_sample_type);
        let mut header = String::new();
        for st in &self.sample_types {
            let t = self.str(st.r#type);
            let _ = write!(
                header,
                "{}/{}{} ",
                t,
                self.str(st.unit),
                if t == dflt { "[dflt]" } else { "" }
            );
        }
        out.push_str(header.trim());
        out.push('\n');
        w.write_all(out.as_bytes())?;
        out.clear();
        // Samples in chunks, made on two threads.
        const CHUNK: usize = 1024;
        let n_chunks = self.samples.len().div_ceil(CHUNK);
        let ids = crate::profile::LocationIds::of(&self.locations);
        crate::chunks::write_in_order(w, n_chunks, RawScratch::default, |scratch, i, text| {
            let from = i * CHUNK;
            for s in self.samples.iter_range(from..from.saturating_add(CHUNK)) {
                self.write_raw_sample(text, s, &ids, scratch);
            }
        })?;
        out.push_str("Locations\n");
        for l in &self.locations {
            self.write_raw_location(&mut out, l, dialect);
            if out.len() >= FLUSH {
                w.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        out.push_str("Mappings");
        for m in &self.mappings {
            out.push('\n');
            self.write_raw_mapping(&mut out, m);
        }
        out.push('\n');
        w.write_all(out.as_bytes())
    }

    fn write_raw_sample(
        &self,
        out: &mut String,
        s: crate::SampleRef<'_>,
        ids: &crate::profile::LocationIds,
        scratch: &mut RawScratch,
    ) {
        for &v in s.values {
            out.push(' ');
            push_int_padded(out, v, 10);
        }
        out.push_str(": ");
        for l in s.locations {
            push_uint(out, ids.get(*l));
            out.push(' ');
        }
        out.push('\n');
        if s.labels.is_empty() {
            return;
        }
        // Each run of labels with one key and kind is one `key:[v1 v2]`
        // entry; string entries and numeric entries are each printed
        // sorted as strings, on a line of their own.
        let RawScratch { text, spans, order } = scratch;
        text.clear();
        spans.clear();
        let labels = &s.labels;
        let mut i = 0;
        while i < labels.len() {
            let key = labels[i].key;
            let is_str = labels[i].is_str();
            let mut j = i;
            while j < labels.len() && labels[j].key == key && labels[j].is_str() == is_str {
                j += 1;
            }
            let group = &labels[i..j];
            let start = text.len();
            text.push_str(self.str(key));
            text.push_str(":[");
            let with_units = !is_str && group.iter().any(|l| !l.num_unit.is_empty());
            for (k, l) in group.iter().enumerate() {
                if k > 0 {
                    text.push(' ');
                }
                if is_str {
                    text.push_str(self.str(l.str));
                } else {
                    push_int(text, l.num);
                    if with_units {
                        text.push(' ');
                        text.push_str(self.str(l.num_unit));
                    }
                }
            }
            text.push(']');
            spans.push((is_str, start, text.len()));
            i = j;
        }
        const HEADER: &str = "                ";
        for want_str in [true, false] {
            order.clear();
            order.extend(
                spans
                    .iter()
                    .filter(|sp| sp.0 == want_str)
                    .map(|sp| (sp.1, sp.2)),
            );
            if order.is_empty() {
                continue;
            }
            let entry = |&(a, b): &(usize, usize)| text.get(a..b).unwrap_or("");
            if order.windows(2).any(|w| entry(&w[0]) > entry(&w[1])) {
                order.sort_by(|a, b| entry(a).cmp(entry(b)));
            }
            out.push_str(HEADER);
            for (k, sp) in order.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                out.push_str(entry(sp));
            }
            out.push('\n');
        }
    }

    fn write_raw_location(&self, out: &mut String, l: &Location, dialect: Dialect) {
        let prefix = |out: &mut String| {
            push_uint_padded(out, l.id, 6);
            let _ = write!(out, ": {:#x} ", l.address);
            if let Some(m) = l.mapping {
                out.push_str("M=");
                push_uint(out, self.mapping(m).id);
                out.push(' ');
            }
            if l.is_folded {
                out.push_str("[F] ");
            }
        };
        if l.lines.is_empty() {
            prefix(out);
            out.push('\n');
            return;
        }
        for (i, ln) in l.lines.iter().enumerate() {
            let f = self.function(ln.function);
            let name = self.str(f.name);
            let sys = self.str(f.system_name);
            if i == 0 {
                prefix(out);
            } else {
                out.push_str("             ");
            }
            out.push_str(name);
            out.push(' ');
            out.push_str(self.str(f.filename));
            out.push(':');
            push_int(out, ln.line);
            if dialect == Dialect::Go127 {
                out.push(':');
                push_int(out, ln.column);
            }
            out.push_str(" s=");
            push_int(out, f.start_line);
            if name != sys {
                out.push('(');
                out.push_str(sys);
                out.push(')');
            }
            out.push('\n');
        }
    }

    fn write_raw_mapping(&self, out: &mut String, m: &Mapping) {
        let mut bits = String::new();
        if m.has_functions {
            bits.push_str("[FN]");
        }
        if m.has_filenames {
            bits.push_str("[FL]");
        }
        if m.has_line_numbers {
            bits.push_str("[LN]");
        }
        if m.has_inline_frames {
            bits.push_str("[IN]");
        }
        let _ = write!(
            out,
            "{}: {:#x}/{:#x}/{:#x} {} {} {}",
            m.id,
            m.start,
            m.limit,
            m.offset,
            self.str(m.file),
            self.str(m.build_id),
            bits
        );
    }
}
