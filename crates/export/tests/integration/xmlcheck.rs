//! Helpers that parse SVG output.

/// Parses `svg` as XML, failing the test with the parser's message.
pub fn parse(svg: &str) -> roxmltree::Document<'_> {
    // graphviz writes a DOCTYPE line.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    match roxmltree::Document::parse_with_options(svg, opts) {
        Ok(d) => d,
        Err(e) => panic!("not well-formed XML: {e}"),
    }
}

/// A frame of a flame graph: name, x, width, y, fill, full tooltip.
#[derive(Debug, Clone)]
pub struct Frame {
    pub name: String,
    pub x: f64,
    pub w: f64,
    pub y: f64,
    pub fill: String,
    pub info: String,
    pub label: String,
}

/// The frames of a flame graph SVG.
pub fn frames(svg: &str) -> Vec<Frame> {
    let doc = parse(svg);
    let mut out = Vec::new();
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("f"))
    {
        let title = g
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or("")
            .to_string();
        let rect = g.children().find(|c| c.has_tag_name("rect")).expect("rect");
        let label = g
            .children()
            .find(|c| c.has_tag_name("text"))
            .and_then(|t| t.text())
            .unwrap_or("")
            .to_string();
        let num = |a: &str| -> f64 { rect.attribute(a).expect(a).parse().expect("number") };
        out.push(Frame {
            name: title.split('\n').next().unwrap_or("").to_string(),
            x: num("x"),
            w: num("width"),
            y: num("y"),
            fill: rect.attribute("fill").unwrap_or("").to_string(),
            info: title,
            label,
        });
    }
    out
}

/// Parses `rgb(r,g,b)`.
pub fn rgb(fill: &str) -> (u8, u8, u8) {
    let inner = fill
        .strip_prefix("rgb(")
        .and_then(|s| s.strip_suffix(')'))
        .expect("rgb() colour");
    let v: Vec<u8> = inner.split(',').map(|s| s.parse().expect("u8")).collect();
    (v[0], v[1], v[2])
}
