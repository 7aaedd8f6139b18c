//! The report as CSV for a spreadsheet (Excel first): UTF-8 with a byte order mark (without it
//! Norwegian Excel reads the file as Windows-1252), `;` between fields and a decimal comma in
//! nb/nn/da (what Excel expects with Norwegian and Danish regional settings), `,` and a decimal
//! point in en; every field quoted through [`crate::escape::csv_cell`] (no formula injection);
//! CRLF lines.
//!
//! One section per table of the report, each a title line, a header line and its rows, with an
//! empty line between sections. Durations are numbers in the level's unit (hours or working
//! days) with the unit in the next column, so a spreadsheet can compute with them.

use super::figures::{Counts, LevelFigures, MonthlyFigures};
use super::text::{self, fixed, kind_name, per_unit, period_text, unit_heading, words, Words};
use crate::config::Language;
use crate::escape::csv_cell;
use chrono_tz::Tz;

/// The byte order mark that opens the file.
pub const BOM: char = '\u{feff}';

struct Csv {
    out: String,
    sep: char,
    lang: Language,
}

impl Csv {
    fn row<S: AsRef<str>>(&mut self, fields: &[S]) {
        let line: Vec<String> = fields.iter().map(|f| csv_cell(f.as_ref())).collect();
        self.out.push_str(&line.join(&self.sep.to_string()));
        self.out.push_str("\r\n");
    }
    fn section(&mut self, title: &str) {
        if !self.out.is_empty() {
            self.out.push_str("\r\n");
        }
        self.row(&[title]);
    }
    /// A duration in the level's unit, two decimals, and the unit word.
    fn amount(&self, d: Option<chrono::Duration>, l: &LevelFigures) -> [String; 2] {
        match d {
            Some(d) => [fixed(l.in_unit(d).0, 2, self.lang), unit_word(l, self.lang)],
            None => [String::new(), unit_word(l, self.lang)],
        }
    }
}

/// `timer` / `dager` (nn `timar` / `dagar`, da `timer` / `dage`, en `hours` / `working days`).
fn unit_word(l: &LevelFigures, lang: Language) -> String {
    // The unit word of `amount`, without the number.
    let text = text::amount(chrono::Duration::zero(), l, lang);
    text.split_once(' ')
        .map(|(_, u)| u.to_string())
        .unwrap_or_default()
}

fn counts(c: &Counts) -> [String; 3] {
    [
        c.opened.to_string(),
        c.resolved.to_string(),
        c.open_at_end.to_string(),
    ]
}

/// The whole report as one CSV text, BOM first.
pub fn render(f: &MonthlyFigures, lang: Language, tz: Tz) -> String {
    let w = words(lang);
    let mut c = Csv {
        out: String::new(),
        sep: if lang == Language::En { ',' } else { ';' },
        lang,
    };
    c.row(&[w.title, &period_text(f)]);
    if f.partial {
        let at = f.as_of.with_timezone(&tz).format("%d.%m.%Y %H:%M");
        c.row(&[format!("{} {at}", w.partial)]);
    }
    if let Some(note) = text::backfill_note(lang, f) {
        c.row(&[note]);
    }
    levels(&mut c, f, w);
    c.section(w.types);
    c.row(&[w.kind, w.opened, w.resolved, w.open_at_end]);
    for (kind, n) in &f.types {
        let [a, b, d] = counts(n);
        c.row(&[kind_name(*kind, w).to_string(), a, b, d]);
    }
    c.section(&per_unit(w, &f.unit_word));
    c.row(&[
        &unit_heading(&f.unit_word),
        w.opened,
        w.resolved,
        w.open_at_end,
    ]);
    for m in &f.municipalities {
        let [a, b, d] = counts(&m.counts);
        c.row(&[m.name.clone().unwrap_or(w.unknown.into()), a, b, d]);
    }
    c.section(w.per_category);
    c.row(&[w.category, w.opened]);
    for (name, n) in super::render_md::top_categories(f, super::render_md::TOP_CATEGORIES, w) {
        c.row(&[name, n.to_string()]);
    }
    incidents(&mut c, f, w, tz);
    trend(&mut c, f, w);
    c.section(w.availability);
    c.row(&[w.service, w.downtime, w.uptime]);
    for a in &f.availability {
        c.row(&[
            a.service.clone().unwrap_or(w.unknown_service.into()),
            fixed(a.downtime.num_seconds() as f64 / 3600.0, 2, lang),
            fixed(a.percent, 2, lang),
        ]);
    }
    c.section(&format!(
        "{} {} %",
        w.availability_note,
        text::decimal(super::figures::AVAILABILITY_TARGET, lang)
    ));
    c.section(w.out_of_scope);
    format!("{BOM}{}", c.out)
}

fn levels(c: &mut Csv, f: &MonthlyFigures, w: &Words) {
    c.section(w.compliance);
    c.row(&[
        w.level,
        w.opened,
        w.resolved,
        w.res_met,
        w.res_breached,
        w.resp_met,
        w.resp_breached,
        w.percent,
        w.target,
        w.average,
        w.median,
        w.unit,
        w.open_at_end,
    ]);
    for l in &f.levels {
        let [target, unit] = c.amount(Some(l.resolution_target), l);
        let [avg, _] = c.amount(l.average_resolution, l);
        let [median, _] = c.amount(l.median_resolution, l);
        let pct = l
            .compliance()
            .map(|p| fixed(p, 1, c.lang))
            .unwrap_or_default();
        c.row(&[
            l.label.clone(),
            l.opened.to_string(),
            l.resolved.to_string(),
            l.resolution_met.to_string(),
            l.resolution_breached.to_string(),
            l.response_met.to_string(),
            l.response_breached.to_string(),
            pct,
            target,
            avg,
            median,
            unit,
            l.open_at_end.to_string(),
        ]);
    }
    let sum = |g: fn(&LevelFigures) -> usize| f.levels.iter().map(g).sum::<usize>().to_string();
    c.row(&[
        w.total.to_string(),
        sum(|l| l.opened),
        sum(|l| l.resolved),
        sum(|l| l.resolution_met),
        sum(|l| l.resolution_breached),
        sum(|l| l.response_met),
        sum(|l| l.response_breached),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        sum(|l| l.open_at_end),
    ]);
}

fn incidents(c: &mut Csv, f: &MonthlyFigures, w: &Words, tz: Tz) {
    c.section(w.incidents);
    c.row(&[
        w.date,
        w.number,
        w.level,
        &unit_heading(&f.unit_word),
        w.service,
        w.subject,
        w.ticket_resolution_time,
        w.unit,
        w.outcome,
    ]);
    for i in &f.incidents {
        let (value, unit) = match f.levels.iter().find(|l| l.level == i.level) {
            Some(l) => {
                let [v, u] = c.amount(Some(i.resolution_time), l);
                (v, u)
            }
            None => (
                fixed(i.resolution_time.num_seconds() as f64 / 3600.0, 2, c.lang),
                String::new(),
            ),
        };
        c.row(&[
            i.opened
                .with_timezone(&tz)
                .format("%d.%m.%Y %H:%M")
                .to_string(),
            i.number.to_string(),
            i.label.clone(),
            i.municipalities.join(", "),
            i.service.clone().unwrap_or_default(),
            i.title.clone(),
            value,
            unit,
            super::render_md::outcome(i.outcome, w).to_string(),
        ]);
    }
}

fn trend(c: &mut Csv, f: &MonthlyFigures, w: &Words) {
    c.section(w.trend);
    let mut head = vec![w.month.to_string()];
    for l in &f.levels {
        let unit = unit_word(l, c.lang);
        head.push(format!("{} {} ({unit})", l.label, w.average.to_lowercase()));
    }
    head.push(w.opened.into());
    head.push(w.resolved.into());
    c.row(&head);
    for p in &f.trend {
        let mut row = vec![super::month_text(p.month)];
        for l in &f.levels {
            let avg = p.levels.get(&l.level).and_then(|t| t.average_resolution);
            let [v, _] = c.amount(avg, l);
            row.push(v);
        }
        row.push(p.opened.to_string());
        row.push(p.resolved.to_string());
        c.row(&row);
    }
}
