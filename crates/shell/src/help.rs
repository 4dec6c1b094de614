//! The shell's `help`: every command and option from the one table of
//! formats and the one table of settings, laid out as pprof's.

use pprof_driver::settings::{choice_owner, option, Section, OPTIONS};
use pprof_driver::{FormatInfo, Usage, FORMATS};

fn help_line(name: &str, text: &str) -> String {
    format!("    {:<16} {}", name, text.split('\n').next().unwrap_or(""))
}

/// The `help` listing.
pub(crate) fn general() -> String {
    let mut commands: Vec<String> = FORMATS.iter().map(|c| help_line(c.name, c.help)).collect();
    commands.sort();
    commands.push(help_line(
        "o/options",
        "List options and their current values",
    ));
    commands.push(help_line("q/quit/exit/^D", "Exit pprof"));
    let mut vars = Vec::new();
    let mut groups = Vec::new();
    for o in OPTIONS.iter().filter(|o| o.in_shell()) {
        if o.section == Section::Group {
            let mut g = vec![help_line(o.name, "")];
            for c in o.choices() {
                g.push(format!("  {}", help_line(c.name, c.help)));
            }
            groups.push(g.join("\n"));
        } else {
            vars.push(help_line(o.name, o.help));
        }
    }
    vars.sort();
    groups.sort();
    format!(
        "  Commands:\n{}\n\n  Options:\n{}\n\n  Option groups (only set one per group):\n{}\n  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n  type \"help <cmd|option>\" for more information\n",
        commands.join("\n"),
        vars.join("\n"),
        groups.join("\n")
    )
}

/// Help for a command: what it does, then how to call it.
pub(crate) fn command(c: &FormatInfo) -> String {
    let n = c.name;
    let usage: Vec<String> = match c.usage {
        Usage::Table => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]* [-cum] >f"),
            "Show at most n entries.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "-cum sorts by cumulative weight.".into(),
            "Write the report to file f when given.".into(),
        ],
        Usage::Graph => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]* >f"),
            "Show at most n nodes.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "Write the report to file f when given.".into(),
        ],
        Usage::View => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]*"),
            "Show at most n nodes.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
        ],
        Usage::Listing => vec![
            format!("{n} <func_regex|address> [focus_regex]* [-ignore_regex]* >f"),
            "Functions matching func_regex, or the one holding the address.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "Write the report to file f when given.".into(),
        ],
        Usage::Peek => vec![
            format!("{n} func_regex"),
            "Callers and callees of the functions matching func_regex.".into(),
        ],
        Usage::Tags => vec![
            format!("{n} [tag_regex]* [-ignore_regex]* >f"),
            "Labels whose key:value matches tag_regex and not ignore_regex.".into(),
        ],
        _ => Vec::new(),
    };
    let mut s = format!("{}\n", c.help);
    if !usage.is_empty() {
        s.push_str("  Usage:\n");
        for l in usage {
            s.push_str(&format!("    {l}\n"));
        }
    }
    s.push('\n');
    s
}

/// The help of an option or of a choice, if `name` is one the shell knows.
pub(crate) fn option_help(name: &str) -> Option<&'static str> {
    if let Some(o) = option(name).filter(|o| o.in_shell() && o.section != Section::Group) {
        return Some(o.help);
    }
    let owner = choice_owner(name).filter(|o| o.in_shell())?;
    owner
        .choices()
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.help)
}
