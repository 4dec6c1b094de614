//! Where the shell's lines come from: any reader, or a terminal.

use std::io::{self, BufRead, Write};

/// Where the shell's lines come from.
pub trait LineReader {
    /// Shows `prompt` and reads one line, without its line end; `None` at
    /// the end of input.
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Lines from any reader; each prompt is written to `prompt_out` first, as
/// pprof does when its input is not a terminal.
pub struct PlainReader<R, W> {
    input: R,
    prompt_out: W,
}

impl<R: BufRead, W: Write> PlainReader<R, W> {
    /// Reads from `input`, writing prompts to `prompt_out`.
    pub fn new(input: R, prompt_out: W) -> Self {
        PlainReader { input, prompt_out }
    }
}

impl<R: BufRead, W: Write> LineReader for PlainReader<R, W> {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.prompt_out.write_all(prompt.as_bytes())?;
        self.prompt_out.flush()?;
        let mut buf = Vec::new();
        if self.input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }
}
