//! Building a [`Profile`] in code: for converters from other formats,
//! tests and examples.
//!
//! Ids are assigned in order from 1 and names are interned; functions are
//! shared by (name, file, start line), so the same frame in two stacks is
//! one function.
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//!
//! let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
//! b.period("goroutine", "count", 1);
//! let bin = b.mapping("/srv/bin/app", 0x400000, 0x800000);
//! let park = b.function("runtime.gopark", "runtime/proc.go", 360);
//! let work = b.function("main.work", "app/main.go", 20);
//! let leaf = b.location(Some(bin), 0x401000, &[(park, 363)]);
//! let caller = b.location(Some(bin), 0x402000, &[(work, 23)]);
//! b.labelled_sample(&[leaf, caller], &[41], &[("state", "chan send")]);
//! let p = b.build();
//! assert_eq!(p.samples.at(0).values, vec![41]);
//! assert_eq!(p.str(p.functions[1].name), "main.work");
//! assert!(p.check_valid().is_ok());
//! ```

use std::collections::HashMap;

use crate::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    StrId, ValueType,
};

/// Builds a valid [`Profile`] piece by piece.
#[derive(Debug, Default)]
pub struct ProfileBuilder {
    p: Profile,
    functions: HashMap<(StrId, StrId, i64), FunctionId>,
}

impl ProfileBuilder {
    /// A profile with these `(type, unit)` sample types.
    pub fn new(types: &[(&str, &str)]) -> ProfileBuilder {
        let mut b = ProfileBuilder {
            p: Profile::new(),
            functions: HashMap::new(),
        };
        for (t, u) in types {
            let vt = b.value_type(t, u);
            b.p.sample_types.push(vt);
        }
        b
    }

    fn value_type(&mut self, t: &str, u: &str) -> ValueType {
        ValueType {
            r#type: self.p.intern(t),
            unit: self.p.intern(u),
        }
    }

    /// Sets the period type and period.
    pub fn period(&mut self, t: &str, unit: &str, period: i64) -> &mut Self {
        self.p.period_type = self.value_type(t, unit);
        self.p.period = period;
        self
    }

    /// The profile built so far.
    pub fn profile(&self) -> &Profile {
        &self.p
    }

    /// The profile being built, for fields without a method here (times,
    /// comments, mapping flags...).
    pub fn profile_mut(&mut self) -> &mut Profile {
        &mut self.p
    }

    /// Adds a mapping of `file` over `[start, limit)` that has function
    /// names (`has_functions`).
    pub fn mapping(&mut self, file: &str, start: u64, limit: u64) -> MappingId {
        let file = self.p.intern(file);
        let id = MappingId(self.p.mappings.len() as u32);
        self.p.mappings.push(Mapping {
            id: id.0 as u64 + 1,
            start,
            limit,
            file,
            has_functions: true,
            ..Mapping::default()
        });
        id
    }

    /// The function `name` defined in `file` at `start_line`, added on
    /// first use (its system name is its name).
    pub fn function(&mut self, name: &str, file: &str, start_line: i64) -> FunctionId {
        let key = (self.p.intern(name), self.p.intern(file), start_line);
        if let Some(&f) = self.functions.get(&key) {
            return f;
        }
        let id = FunctionId(self.p.functions.len() as u32);
        self.p.functions.push(Function {
            id: id.0 as u64 + 1,
            name: key.0,
            system_name: key.0,
            filename: key.1,
            start_line,
        });
        self.functions.insert(key, id);
        id
    }

    /// Adds a location at `address` whose frames are `(function, line)`,
    /// innermost first (all but the last are inlined into the last); no
    /// frames for an address without symbols.
    pub fn location(
        &mut self,
        mapping: Option<MappingId>,
        address: u64,
        frames: &[(FunctionId, i64)],
    ) -> LocationId {
        let id = LocationId(self.p.locations.len() as u32);
        self.p.locations.push(Location {
            id: id.0 as u64 + 1,
            mapping,
            address,
            lines: frames
                .iter()
                .map(|&(function, line)| Line {
                    function,
                    line,
                    column: 0,
                })
                .collect(),
            is_folded: false,
        });
        id
    }

    /// Adds a location whose frames are named `(function, file, line)`,
    /// innermost first: [`function`](Self::function) (start line 0) and
    /// [`location`](Self::location) in one step.
    pub fn named_location(
        &mut self,
        mapping: Option<MappingId>,
        address: u64,
        frames: &[(&str, &str, i64)],
    ) -> LocationId {
        let frames: Vec<(FunctionId, i64)> = frames
            .iter()
            .map(|&(name, file, line)| (self.function(name, file, 0), line))
            .collect();
        self.location(mapping, address, &frames)
    }

    /// Adds a sample: its locations leaf first, one value per sample type.
    pub fn sample(&mut self, locations: &[LocationId], values: &[i64]) -> &mut Self {
        self.labelled_sample(locations, values, &[])
    }

    /// Adds a sample with string labels `(key, value)`.
    pub fn labelled_sample(
        &mut self,
        locations: &[LocationId],
        values: &[i64],
        labels: &[(&str, &str)],
    ) -> &mut Self {
        let labels = labels
            .iter()
            .map(|(k, v)| Label {
                key: self.p.intern(k),
                str: self.p.intern(v),
                num: 0,
                num_unit: StrId::EMPTY,
            })
            .collect();
        self.p.samples.push(Sample {
            locations: locations.to_vec(),
            values: values.to_vec(),
            labels,
        });
        self
    }

    /// Adds a numeric label `key=num unit` to the last sample (no unit
    /// when `unit` is empty).
    pub fn num_label(&mut self, key: &str, num: i64, unit: &str) -> &mut Self {
        let label = Label {
            key: self.p.intern(key),
            str: StrId::EMPTY,
            num,
            num_unit: self.p.intern(unit),
        };
        self.p.samples.push_label_to_last(label);
        self
    }

    /// The profile, with its labels in canonical order.
    pub fn build(mut self) -> Profile {
        self.p.sort_labels();
        self.p
    }
}
