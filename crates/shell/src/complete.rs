//! Tab completion of commands, options, option values and function names.

use pprof_driver::settings::{Kind, OPTIONS};
use pprof_driver::OutputFormat;

/// Completion of commands, options, option values and function names.
#[derive(Clone, Debug, Default)]
pub struct Completer {
    functions: Vec<String>,
    sample_types: Vec<String>,
}

impl Completer {
    /// A completer for a profile with these function names and sample
    /// types.
    pub fn new(mut functions: Vec<String>, sample_types: Vec<String>) -> Completer {
        functions.sort();
        functions.dedup();
        Completer {
            functions,
            sample_types,
        }
    }

    /// Words that can start a line: commands, options, choices, sample
    /// type shortcuts and the shell's own words.
    fn first_words(&self) -> Vec<String> {
        let mut w: Vec<String> = pprof_driver::FORMATS
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        for o in OPTIONS.iter().filter(|o| o.in_shell()) {
            w.push(o.name.to_string());
            w.extend(o.choices().iter().map(|c| c.name.to_string()));
        }
        for t in &self.sample_types {
            w.push(t.clone());
            w.push(format!("mean_{t}"));
            w.push(format!("total_{t}"));
        }
        w.extend(["help", "options", "quit", "exit"].map(String::from));
        w.sort();
        w.dedup();
        w
    }

    /// Candidates for the word that ends at byte `pos` of `line`: the start
    /// of that word and the full replacements.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let head = line.get(..pos).unwrap_or(line);
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &head[start..];
        let before: Vec<&str> = head[..start].split_whitespace().collect();
        match before.first() {
            None => {
                // `name=value`: complete the value of choices and sample_index.
                if let Some((name, value)) = word.split_once('=') {
                    let values: Vec<String> = if name == "sample_index" {
                        self.sample_types.clone()
                    } else if let Some(o) = OPTIONS.iter().find(|o| o.name == name) {
                        if o.kind() == Kind::Bool {
                            vec!["true".into(), "false".into()]
                        } else {
                            o.choices().iter().map(|c| c.name.to_string()).collect()
                        }
                    } else {
                        Vec::new()
                    };
                    let at = start + name.len() + 1;
                    return (
                        at,
                        values
                            .into_iter()
                            .filter(|v| v.starts_with(value))
                            .collect(),
                    );
                }
                let lower = word.to_ascii_lowercase();
                let found = self
                    .first_words()
                    .into_iter()
                    .filter(|w| w.starts_with(&lower))
                    .collect();
                (start, found)
            }
            Some(&"help") if before.len() == 1 => {
                let found = self
                    .first_words()
                    .into_iter()
                    .filter(|w| w.starts_with(word))
                    .collect();
                (start, found)
            }
            Some(first) if OutputFormat::from_name(first).is_some() && *first != "tags" => {
                let (at, sub) = match word.strip_prefix('-') {
                    Some(rest) => (start + 1, rest),
                    None => (start, word),
                };
                if sub.is_empty() || sub.starts_with('>') {
                    return (at, Vec::new());
                }
                let found = self
                    .functions
                    .iter()
                    .filter(|f| f.contains(sub))
                    .cloned()
                    .collect();
                (at, found)
            }
            _ => (start, Vec::new()),
        }
    }
}
