//! The shell over a real profile: a piped session prints what the flag
//! forms print, and answers many commands from one load.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use pprof_driver::{Command, OutputFormat, Pipeline, Settings, Sources};
use pprof_shell::{PlainReader, ProfileSession, Shell, PROMPT};
use pprof_testkit::fixtures::{goroutine_profile, ProfileFile};

/// A writer shared by the prompt and the reports, so the two interleave as
/// they do on a real standard output.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the flag form prints on standard output, or its error.
fn flag_form(
    path: &str,
    format: OutputFormat,
    regexp: Option<&str>,
    s: &Settings,
) -> Result<String, String> {
    let pipeline = Pipeline::new(Sources::new([path.to_string()]), s.clone());
    let cmd = Command {
        format,
        regexp: regexp.map(String::from),
    };
    let mut out = Vec::new();
    pipeline
        .run(&cmd, &mut out)
        .map(|_| String::from_utf8_lossy(&out).into_owned())
        .map_err(|e| e.to_string())
}

#[test]
fn piped_session_matches_the_flag_forms() {
    let fx = ProfileFile::new("piped", "goroutine", &goroutine_profile());
    let loaded = Pipeline::new(Sources::new([fx.path.clone()]), Settings::default())
        .load()
        .expect("load");
    let mut session = ProfileSession::new(loaded.profile);
    let stdout = Shared::default();
    let mut err = Vec::new();
    let script = "top 5\nlist compute\ntraces\nraw\nquit\ntop\n";
    let mut reader = PlainReader::new(script.as_bytes(), stdout.clone());
    Shell::new(&mut session, Settings::default())
        .run(&mut reader, &mut stdout.clone(), &mut err)
        .expect("shell");
    let got = String::from_utf8(stdout.0.borrow().clone()).expect("utf-8");
    let err = String::from_utf8(err).expect("utf-8");

    // The shell turns compact_labels on, as pprof does: text reports then
    // leave out the profile's File/Type header lines.
    let mut compact = Settings::default();
    compact.compact_labels = true;
    let mut top5 = compact.clone();
    top5.node_count = 5;
    let forms = [
        flag_form(&fx.path, OutputFormat::Top, None, &top5),
        flag_form(&fx.path, OutputFormat::List, Some("compute"), &compact),
        flag_form(&fx.path, OutputFormat::Traces, None, &compact),
        flag_form(&fx.path, OutputFormat::Raw, None, &compact),
    ];
    let mut want = String::new();
    let mut want_err = vec![
        "File: leakdemo".to_string(),
        "Type: goroutine".to_string(),
        pprof_shell::ENTERING.to_string(),
    ];
    for form in &forms {
        want.push_str(PROMPT);
        match form {
            Ok(text) => want.push_str(text),
            Err(e) => want_err.push(e.clone()),
        }
    }
    // `quit` gets a prompt; nothing after it runs.
    want.push_str(PROMPT);
    assert_eq!(got, want);
    assert_eq!(err.lines().collect::<Vec<_>>(), want_err);
    // Every report ran, so the comparison covers them all.
    for form in &forms {
        assert!(form.as_ref().is_ok_and(|t| !t.is_empty()), "{form:?}");
    }
    // compact_labels only drops the header lines of the top report.
    let mut top5_full = Settings::default();
    top5_full.node_count = 5;
    let full = flag_form(&fx.path, OutputFormat::Top, None, &top5_full).expect("top");
    let short = forms[0].as_deref().unwrap_or_default();
    assert_eq!(full, format!("File: leakdemo\nType: goroutine\n{short}"));
}
