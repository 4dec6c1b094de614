//! The `-raw` text dump of a profile, identical to Go pprof's `Profile.String()`.

use std::fmt::Write as _;

use crate::gofmt::{duration_string, time_string, truncate_chars};
use crate::profile::{Location, Mapping, Profile, Sample};
use crate::Dialect;

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

    /// Writes [`Profile::to_raw_string_in`]'s text to `w` in pieces of
    /// about 64 KiB, without holding the whole dump in memory.
    pub fn write_raw<W: std::io::Write + ?Sized>(
        &self,
        w: &mut W,
        dialect: Dialect,
    ) -> std::io::Result<()> {
        const FLUSH: usize = 64 << 10;
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
        for s in &self.samples {
            self.write_raw_sample(&mut out, s);
            if out.len() >= FLUSH {
                w.write_all(out.as_bytes())?;
                out.clear();
            }
        }
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

    fn write_raw_sample(&self, out: &mut String, s: &Sample) {
        for v in &s.values {
            let _ = write!(out, " {v:>10}");
        }
        out.push_str(": ");
        for l in &s.locations {
            let _ = write!(out, "{} ", self.location(*l).id);
        }
        out.push('\n');
        const HEADER: &str = "                ";
        // String labels: "key:[v1 v2]" sorted as strings.
        let mut strs: Vec<String> = Vec::new();
        let mut nums: Vec<String> = Vec::new();
        let mut i = 0;
        let labels = &s.labels;
        while i < labels.len() {
            let key = labels[i].key;
            let is_str = labels[i].is_str();
            let mut j = i;
            while j < labels.len() && labels[j].key == key && labels[j].is_str() == is_str {
                j += 1;
            }
            let group = &labels[i..j];
            let k = self.str(key);
            if is_str {
                let vals: Vec<&str> = group.iter().map(|l| self.str(l.str)).collect();
                strs.push(format!("{}:[{}]", k, vals.join(" ")));
            } else if group.iter().any(|l| !l.num_unit.is_empty()) {
                let vals: Vec<String> = group
                    .iter()
                    .map(|l| format!("{} {}", l.num, self.str(l.num_unit)))
                    .collect();
                nums.push(format!("{}:[{}]", k, vals.join(" ")));
            } else {
                let vals: Vec<String> = group.iter().map(|l| l.num.to_string()).collect();
                nums.push(format!("{}:[{}]", k, vals.join(" ")));
            }
            i = j;
        }
        if !strs.is_empty() {
            strs.sort();
            let _ = writeln!(out, "{HEADER}{}", strs.join(" "));
        }
        if !nums.is_empty() {
            nums.sort();
            let _ = writeln!(out, "{HEADER}{}", nums.join(" "));
        }
    }

    fn write_raw_location(&self, out: &mut String, l: &Location, dialect: Dialect) {
        let mut loc = format!("{:>6}: {:#x} ", l.id, l.address);
        if let Some(m) = l.mapping {
            let _ = write!(loc, "M={} ", self.mapping(m).id);
        }
        if l.is_folded {
            loc.push_str("[F] ");
        }
        if l.lines.is_empty() {
            out.push_str(&loc);
            out.push('\n');
            return;
        }
        for (i, ln) in l.lines.iter().enumerate() {
            let f = self.function(ln.function);
            let name = self.str(f.name);
            let sys = self.str(f.system_name);
            if i == 0 {
                out.push_str(&loc);
            } else {
                out.push_str("             ");
            }
            let _ = write!(out, "{} {}:{}", name, self.str(f.filename), ln.line);
            if dialect == Dialect::Go127 {
                let _ = write!(out, ":{}", ln.column);
            }
            let _ = write!(out, " s={}", f.start_line);
            if name != sys {
                let _ = write!(out, "({sys})");
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
