//! The status page: plain HTML for a service-desk wall screen, no scripts, refreshing itself.
//! Every text from tickets or config goes through [`esc`].

use crate::config::Language;
use crate::status_view::{human_duration, ClockView, Labels, StatusView, TicketView};
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values ([`crate::escape::html`]).
pub fn esc(s: &str) -> String {
    crate::escape::html(s)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;font-size:1.3rem;margin:1rem 2rem;\
background:#fff;color:#111}h1{font-size:2rem;margin:.2rem 0}h2{margin-top:1.5rem}\
.meta{color:#444}table{border-collapse:collapse;width:100%}th,td{text-align:left;\
padding:.4rem .6rem;border-bottom:1px solid #ccc;vertical-align:top}th{background:#eee}\
tr.overdue{background:#fdd}tr.warning{background:#fff3cd}tr.paused{color:#666}\
.banner{background:#b00;color:#fff;padding:.6rem 1rem;font-weight:bold}\
.p4{background:#b00;color:#fff}.p3{background:#e67e00;color:#fff}.p2{background:#f5d000}\
.p1,.p0{background:#ddd}.prio{padding:.1rem .5rem;border-radius:.3rem;font-weight:bold}\
.breached{color:#b00;font-weight:bold}.warn{color:#8a5a00;font-weight:bold}";

pub fn render(view: Option<&StatusView>, language: Language) -> String {
    let l = Labels::for_language(language);
    let mut h = String::with_capacity(8192);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"30\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — slavakt</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        language.code(),
        esc(l.title),
        esc(l.title)
    );
    let Some(v) = view else {
        let _ = write!(
            h,
            "<p class=\"meta\">{}: {}</p>\n</body></html>\n",
            esc(l.last_poll),
            esc(l.never)
        );
        return h;
    };
    let fmt = time_format(language);
    let _ = writeln!(
        h,
        "<p class=\"meta\">{}: {} · {}: {}</p>",
        esc(l.updated),
        esc(&v.generated_at.format(fmt).to_string()),
        esc(l.last_poll),
        esc(&v
            .last_successful_poll
            .map(|t| t.format(fmt).to_string())
            .unwrap_or_else(|| l.never.to_string()))
    );
    if v.outage {
        let _ = writeln!(h, "<p class=\"banner\">{}</p>", esc(l.outage));
    }
    if let Some(e) = &v.last_error {
        let _ = writeln!(h, "<p class=\"meta\">{}: {}</p>", esc(l.last_error), esc(e));
    }

    let _ = writeln!(h, "<h2>{} ({})</h2>", esc(l.open_tickets), v.tickets.len());
    if v.tickets.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(l.no_open_tickets));
    } else {
        let _ = write!(h, "<table><thead><tr>");
        for c in [
            l.number,
            l.priority,
            l.subject,
            l.municipality,
            l.service,
            l.response,
            l.resolution,
            l.next_deadline,
            l.next_action,
        ] {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        let _ = writeln!(h, "</tr></thead><tbody>");
        for t in &v.tickets {
            ticket_row(&mut h, t, l, fmt);
        }
        let _ = writeln!(h, "</tbody></table>");
    }

    if !v.pending_deliveries.is_empty() {
        let _ = writeln!(
            h,
            "<h2>{} ({})</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(l.pending_deliveries),
            v.pending_deliveries.len(),
            esc(l.number),
            esc(l.rule),
            esc(l.channel),
            esc(l.recipient),
            esc(l.attempts),
            esc(l.last_error)
        );
        for p in &v.pending_deliveries {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.number.map(|n| n.to_string()).unwrap_or_default(),
                esc(&p.rule),
                esc(&p.channel),
                esc(&p.recipient),
                p.attempts,
                esc(p.last_outcome.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(h, "</tbody></table>");
    }
    h.push_str("</body></html>\n");
    h
}

fn ticket_row(h: &mut String, t: &TicketView, l: &Labels, fmt: &str) {
    let class = if t.overdue {
        "overdue"
    } else if [&t.response, &t.resolution]
        .iter()
        .any(|c| c.as_ref().is_some_and(|c| c.state == "warning"))
    {
        "warning"
    } else if t.paused {
        "paused"
    } else {
        ""
    };
    let rank_class = prio_class(t);
    let prio = t
        .level_label
        .as_deref()
        .or(t.priority.as_deref())
        .unwrap_or(l.none_priority);
    let deadline = t
        .next_deadline
        .as_ref()
        .map(|d| {
            format!(
                "{} {}<br>{}",
                esc(l.clock(d.clock)),
                esc(&d.due.format(fmt).to_string()),
                remaining(d.remaining_seconds, l)
            )
        })
        .unwrap_or_default();
    let action = t
        .next_action
        .as_ref()
        .map(|a| {
            let mut cell = format!(
                "{}<br>{}",
                esc(&a.at.format(fmt).to_string()),
                esc(&l.action(a))
            );
            if !a.rules.is_empty() {
                let _ = write!(
                    cell,
                    "<br><small>{} · {}</small>",
                    esc(&a.rules.join(", ")),
                    esc(&a.channels.join(", "))
                );
            }
            cell
        })
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<tr class=\"{class}\"><td>{}</td><td><span class=\"prio {rank_class}\">{}</span></td>\
         <td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{deadline}</td><td>{action}</td></tr>",
        t.number,
        esc(prio),
        esc(&t.subject),
        esc(&t.status),
        esc(&t.municipalities.join(", ")),
        esc(t.service.as_deref().unwrap_or("")),
        clock_cell(t.response.as_ref(), l, fmt),
        clock_cell(t.resolution.as_ref(), l, fmt),
    );
}

/// Colour by the level's position among the usual four (kritisk/hoy/middels/lav).
fn prio_class(t: &TicketView) -> &'static str {
    match t.level.as_deref() {
        Some("kritisk") => "p4",
        Some("hoy") => "p3",
        Some("middels") => "p2",
        Some(_) => "p1",
        None => "p0",
    }
}

fn clock_cell(c: Option<&ClockView>, l: &Labels, fmt: &str) -> String {
    let Some(c) = c else {
        return String::new();
    };
    let state = match (c.state, c.percent) {
        ("warning", Some(p)) => format!("{} {p} %", l.warning),
        (s, _) => l.clock_state(s).to_string(),
    };
    let css = match c.state {
        "breached" => "breached",
        "warning" => "warn",
        _ => "",
    };
    let when = match c.stopped_at {
        Some(t) if c.state == "met" || c.state == "breached" => t,
        _ => c.due,
    };
    format!(
        "<span class=\"{css}\">{}</span><br>{}",
        esc(&state),
        esc(&when.format(fmt).to_string())
    )
}

fn remaining(secs: i64, l: &Labels) -> String {
    if secs < 0 {
        format!(
            "<span class=\"breached\">{} {}</span>",
            esc(&human_duration(-secs)),
            esc(l.overdue)
        )
    } else {
        format!("{} {}", esc(&human_duration(secs)), esc(l.left))
    }
}

fn time_format(language: Language) -> &'static str {
    match language {
        Language::En => "%Y-%m-%d %H:%M",
        _ => "%d.%m. %H:%M",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
