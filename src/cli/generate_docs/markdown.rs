//! Markdown to man(7) roff, for `slavakt.toml(5)` from `docs/CONFIG.md`: the config reference is
//! written once, in Markdown, and the manual page is generated from it.
//!
//! Covers what the reference uses: headings (`##` → `.SH`, `###` → `.SS`), paragraphs, nested
//! bullet and numbered lists, indented and fenced code, tables (as tagged paragraphs), inline code and bold (bold), emphasis (italic). Links keep their text only (they
//! point at files of the repository). Escaping is the `roff` crate's.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use roff::{bold, italic, roman, Inline, Roff};

/// The page's header lines: `.TH` arguments and the NAME line.
pub struct Page<'a> {
    pub title: &'a str,
    pub section: &'a str,
    pub date: &'a str,
    pub source: &'a str,
    pub manual: &'a str,
    /// `slavakt.toml \- …`: the NAME line (name, then what it is).
    pub name: &'a str,
    pub summary: &'a str,
    /// Sections appended after the converted text (`SEE ALSO`): (heading, lines).
    pub trailer: &'a [(&'a str, &'a str)],
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Roman,
    Bold,
    Italic,
}

/// One open list: its next number (`None` for bullets).
struct List {
    next: Option<u64>,
}

struct Converter {
    roff: Roff,
    line: Vec<Inline>,
    styles: Vec<Style>,
    lists: Vec<List>,
    /// Blocks seen in the current list item (a second paragraph gets a blank line, not a tag).
    item_blocks: usize,
    /// Text of the heading being read, and its level.
    heading: Option<(HeadingLevel, String)>,
    table: Option<Table>,
    in_code: bool,
    /// The H1 title is the page's name, not part of the text.
    skipping_title: bool,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<Vec<Inline>>>,
    cell: Vec<Inline>,
    row: Vec<Vec<Inline>>,
}

/// Renders `markdown` as a complete manual page.
pub fn to_man(markdown: &str, page: &Page<'_>) -> String {
    let mut c = Converter {
        roff: Roff::new(),
        line: Vec::new(),
        styles: vec![Style::Roman],
        lists: Vec::new(),
        item_blocks: 0,
        heading: None,
        table: None,
        in_code: false,
        skipping_title: false,
    };
    c.roff.control(
        "TH",
        [
            page.title,
            page.section,
            page.date,
            page.source,
            page.manual,
        ],
    );
    c.roff.control("SH", ["NAME"]);
    c.roff
        .text([roman(format!("{} - {}", page.name, page.summary))]);
    c.roff.control("SH", ["DESCRIPTION"]);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        c.event(event);
    }
    c.flush();
    for (heading, text) in page.trailer {
        c.roff.control("SH", [*heading]);
        c.roff.text([roman(*text)]);
    }
    c.roff.render()
}

impl Converter {
    fn style(&self) -> Style {
        *self.styles.last().unwrap_or(&Style::Roman)
    }

    fn push_text(&mut self, text: &str) {
        if self.skipping_title {
            return;
        }
        if let Some((_, h)) = &mut self.heading {
            h.push_str(text);
            return;
        }
        let inline = match self.style() {
            Style::Roman => roman(text),
            Style::Bold => bold(text),
            Style::Italic => italic(text),
        };
        match &mut self.table {
            Some(t) => t.cell.push(inline),
            None => self.line.push(inline),
        }
    }

    fn flush(&mut self) {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.roff.text(line);
        }
    }

    /// Starts a block: a paragraph outside a list, or the 2nd+ block of a list item.
    fn block_start(&mut self) {
        self.flush();
        if self.lists.is_empty() {
            self.roff.control("PP", []);
        } else {
            if self.item_blocks > 0 {
                self.roff.control("sp", []);
            }
            self.item_blocks += 1;
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.in_code => {
                for line in t.lines() {
                    self.roff.text([roman(line)]);
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t),
            Event::Code(t) => {
                self.styles.push(Style::Bold);
                self.push_text(&t);
                self.styles.pop();
            }
            // A line break inside a paragraph is a space in filled text (and a newline could
            // put the next inline's leading `.` at the start of a line).
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak if self.table.is_none() => self.line.push(Inline::LineBreak),
            Event::Rule => {
                self.flush();
                self.roff.control("sp", []);
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                if level == HeadingLevel::H1 {
                    self.skipping_title = true;
                } else {
                    self.heading = Some((level, String::new()));
                }
            }
            Tag::Paragraph if self.table.is_none() => self.block_start(),
            Tag::CodeBlock(_) => {
                self.block_start();
                self.roff.control("RS", ["4"]).control("nf", []);
                self.in_code = true;
            }
            Tag::List(first) => {
                self.flush();
                if !self.lists.is_empty() {
                    self.roff.control("RS", []);
                }
                self.lists.push(List { next: first });
            }
            Tag::Item => {
                self.flush();
                self.item_blocks = 0;
                let (tag, indent) = match self.lists.last_mut().and_then(|l| l.next.as_mut()) {
                    Some(n) => {
                        *n += 1;
                        (format!("{}.", *n - 1), "4")
                    }
                    None => (r"\(bu".to_string(), "2"),
                };
                self.roff.control("IP", [tag.as_str(), indent]);
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.roff.control("RS", []);
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(Table::default());
            }
            Tag::Emphasis => self.styles.push(Style::Italic),
            Tag::Strong => self.styles.push(Style::Bold),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                if self.skipping_title {
                    self.skipping_title = false;
                } else if let Some((level, text)) = self.heading.take() {
                    let text = text.trim().to_string();
                    if level == HeadingLevel::H2 {
                        self.roff.control("SH", [text.to_uppercase().as_str()]);
                    } else {
                        self.roff.control("SS", [text.as_str()]);
                    }
                }
            }
            TagEnd::Paragraph => self.flush(),
            TagEnd::CodeBlock => {
                self.in_code = false;
                self.roff.control("fi", []).control("RE", []);
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if !self.lists.is_empty() {
                    self.roff.control("RE", []);
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.roff.control("RE", []);
            }
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table {
                    let cell = std::mem::take(&mut t.cell);
                    t.row.push(cell);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.render_table(t);
                }
            }
            TagEnd::Emphasis | TagEnd::Strong => {
                self.styles.pop();
            }
            _ => {}
        }
    }

    /// A table as tagged paragraphs, the way man pages list keys: the first cell is the tag,
    /// each middle cell a line `Header: value` (`Default: 30s`), the last cell the text. Reads at
    /// any terminal width, where a tbl(1) grid of long cells does not.
    fn render_table(&mut self, t: Table) {
        let mut rows = t.rows.into_iter();
        let header: Vec<String> = rows
            .next()
            .unwrap_or_default()
            .iter()
            .map(|cell| plain(cell))
            .collect();
        self.roff.control("PP", []);
        for row in rows {
            let n = row.len();
            let mut cells = row.into_iter();
            self.roff.control("TP", []);
            let tag: Vec<Inline> = cells.next().unwrap_or_default();
            self.roff.text(if tag.is_empty() {
                vec![roman(" ")]
            } else {
                tag
            });
            for (j, cell) in cells.enumerate() {
                let j = j + 1;
                if j + 1 < n {
                    let mut line = vec![roman(format!(
                        "{}: ",
                        header.get(j).map(String::as_str).unwrap_or("")
                    ))];
                    line.extend(cell);
                    self.roff.text(line).control("br", []);
                } else if !cell.is_empty() {
                    self.roff.text(cell);
                }
            }
        }
    }
}

/// A cell's text without its fonts (a header word).
fn plain(cell: &[Inline]) -> String {
    cell.iter()
        .map(|i| match i {
            Inline::Roman(s) | Inline::Bold(s) | Inline::Italic(s) => s.as_str(),
            Inline::LineBreak => " ",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Page<'static> {
        Page {
            title: "T",
            section: "5",
            date: "2026-12-02",
            source: "slavakt 0.1.0",
            manual: "File Formats",
            name: "t.toml",
            summary: "a test",
            trailer: &[("SEE ALSO", "slavakt(1)")],
        }
    }

    #[test]
    fn headings_lists_code_and_tables_become_man_macros() {
        let md = "# Title\n\nIntro `code` and *em*.\n\n## `[daemon]`\n\n- one\n  - nested\n- two\n\n\
                  1. first\n2. second\n   .dotted\n\nText.\n\n    indented code\n    .dot line\n\n### Sub\n\n\
                  | Key | Default | Meaning |\n|---|---|---|\n| `a-b` | `30s` | long text |\n";
        let out = to_man(md, &page());
        assert!(out.contains(".TH T 5 2026\\-12\\-02") || out.contains(".TH T 5 2026-12-02"));
        assert!(!out.contains("Title"), "the H1 is not repeated: {out}");
        assert!(out.contains("Intro \\fBcode\\fR and \\fIem\\fR."), "{out}");
        assert!(out.contains(".SH [DAEMON]\n"), "{out}");
        assert!(
            out.contains(".IP \\(bu 2\none\n.RS\n.IP \\(bu 2\nnested\n.RE\n"),
            "{out}"
        );
        assert!(
            out.contains(".IP 1. 4\nfirst\n.IP 2. 4\nsecond .dotted\n.PP\nText.\n"),
            "{out}"
        );
        assert!(
            out.contains(".RS 4\n.nf\nindented code\n\\&.dot line\n.fi\n.RE\n"),
            "{out}"
        );
        assert!(out.contains(".SS Sub\n"), "{out}");
        assert!(
            out.contains(".PP\n.TP\n\\fBa\\-b\\fR\nDefault: \\fB30s\\fR\n.br\nlong text\n"),
            "{out}"
        );
        assert!(out.ends_with(".SH \"SEE ALSO\"\nslavakt(1)\n"), "{out}");
    }
}
