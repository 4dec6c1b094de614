//! XML text escaping.

pub(crate) use pprof_model::gofmt::{xml_escape as escape, xml_escape_into as escape_into};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&#39;\u{FFFD}"
        );
        assert_eq!(escape("x\ny"), "x\ny");
    }
}
