//! Lines from a terminal: rustyline with history and tab completion.

use std::io;

use crate::{Completer, LineReader};

/// rustyline's side of [`Completer`].
struct EditorHelper(Completer);

impl rustyline::completion::Completer for EditorHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.0.complete(line, pos))
    }
}

impl rustyline::hint::Hinter for EditorHelper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for EditorHelper {}
impl rustyline::validate::Validator for EditorHelper {}
impl rustyline::Helper for EditorHelper {}

/// Lines from a terminal, with history and tab completion.
pub struct TerminalReader {
    editor: rustyline::Editor<EditorHelper, rustyline::history::DefaultHistory>,
}

impl TerminalReader {
    /// A line editor completing with `completer`.
    pub fn new(completer: Completer) -> io::Result<TerminalReader> {
        let config = rustyline::Config::builder()
            .auto_add_history(true)
            .completion_type(rustyline::CompletionType::List)
            .build();
        let mut editor = rustyline::Editor::with_config(config).map_err(io::Error::other)?;
        editor.set_helper(Some(EditorHelper(completer)));
        Ok(TerminalReader { editor })
    }
}

impl LineReader for TerminalReader {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        loop {
            match self.editor.readline(prompt) {
                Ok(line) => return Ok(Some(line)),
                // Ctrl-C abandons the line, as in a shell.
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => return Ok(None),
                Err(rustyline::error::ReadlineError::Io(e)) => return Err(e),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
    }
}
