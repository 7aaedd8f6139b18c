//! The status page for the service desk: what is burning first (Kritisk/Høy incidents with
//! who was told and when the next update is due), then the SLA board by level and time to
//! breach, planned changes apart (no SLA), pending deliveries. Tables become cards on a phone.
//! A small script refetches `/status.json` every 30 s and reloads the page's content when a
//! new cycle has been published (no meta refresh). Every text from tickets or config goes
//! through [`esc`].

use super::desk_words::Words;
use crate::config::Language;
use crate::status_view::{
    human_duration, ActionView, ChangeView, ClockView, IncidentView, Labels, StatusView, TicketView,
};
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values ([`crate::escape::html`]).
pub fn esc(s: &str) -> String {
    crate::escape::html(s)
}

// Colours meet WCAG AA contrast (4.5:1) for their text; below 700 px each table row is a card.
const STYLE: &str = "body{font-family:system-ui,sans-serif;font-size:1.15rem;margin:1rem;\
background:#fff;color:#111}h1{font-size:1.8rem;margin:.2rem 0}h2{margin-top:1.5rem}\
.meta{color:#444}table{border-collapse:collapse;width:100%}th,td{text-align:left;\
padding:.4rem .6rem;border-bottom:1px solid #ccc;vertical-align:top}th{background:#eee}\
tr.overdue{background:#fdd}tr.warning{background:#fff3cd}tr.paused{color:#555}\
.banner{background:#b00;color:#fff;padding:.6rem 1rem;font-weight:bold}\
.p4{background:#a00000;color:#fff}.p3{background:#8a4500;color:#fff}.p2{background:#f5d000;color:#111}\
.p1,.p0{background:#ddd;color:#111}.prio{padding:.1rem .5rem;border-radius:.3rem;font-weight:bold}\
.breached{color:#a00000;font-weight:bold}.warn{color:#7a4f00;font-weight:bold}\
.strip{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}\
.strip li{border:1px solid #999;border-radius:.4rem;padding:.3rem .7rem}\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}\
.card{border:2px solid #999;border-radius:.5rem;padding:.6rem 1rem}.card.l4{border-color:#a00000}\
.card h3{margin:.2rem 0}.card dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem}\
.card dt{font-weight:bold}.card dd{margin:0}.tag{border:1px solid #555;border-radius:.3rem;\
padding:0 .3rem;font-size:.9rem}\
@media (max-width:700px){body{font-size:1rem;margin:.5rem}table,thead,tbody,tr,th,td{display:block}\
thead{position:absolute;left:-9999px}tr{border:1px solid #999;border-radius:.4rem;margin:.6rem 0}\
td{border:0}td::before{content:attr(data-label);font-weight:bold;display:block;font-size:.85rem}\
.cards{grid-template-columns:1fr}}";

/// Refetches `/status.json`; when a newer cycle is there, swaps in the freshly rendered page.
const SCRIPT: &str = "(function(){var m=document.getElementById('main');\
setInterval(function(){fetch('status.json',{cache:'no-store',credentials:'same-origin'})\
.then(function(r){return r.ok?r.json():null}).then(function(v){\
if(!v||v.generated_at===m.dataset.generated)return;\
return fetch('./',{cache:'no-store',credentials:'same-origin'}).then(function(r){return r.text()})\
.then(function(h){var d=new DOMParser().parseFromString(h,'text/html');\
var n=d.getElementById('main');if(n){m.replaceWith(n);m=n;}});}).catch(function(){});},30000);})();";

pub fn render(view: Option<&StatusView>, language: Language) -> String {
    let l = Labels::for_language(language);
    let w = Words::for_language(language);
    let mut h = String::with_capacity(16384);
    let generated = view
        .map(|v| {
            v.generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        })
        .unwrap_or_default();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — slavakt</title><style>{STYLE}</style></head><body>\n\
         <main id=\"main\" data-generated=\"{}\">\n<h1>{}</h1>\n",
        language.code(),
        esc(l.title),
        esc(&generated),
        esc(l.title)
    );
    let Some(v) = view else {
        let _ = write!(
            h,
            "<p class=\"meta\">{}: {}</p>\n</main></body></html>\n",
            esc(l.last_poll),
            esc(l.never)
        );
        return h;
    };
    let fmt = time_format(language);
    let _ = writeln!(
        h,
        "<p class=\"meta\">{}: {}</p>",
        esc(l.updated),
        esc(&v.generated_at.format(fmt).to_string()),
    );
    if v.outage {
        let _ = writeln!(h, "<p class=\"banner\">{}</p>", esc(l.outage));
    }
    if let Some(ha) = &v.ha {
        let _ = writeln!(h, "<p class=\"meta\">{}</p>", esc(&ha_line(ha, language)));
    }
    if let Some(e) = &v.last_error {
        let _ = writeln!(h, "<p class=\"meta\">{}: {}</p>", esc(l.last_error), esc(e));
    }
    summary_strip(&mut h, v, l, w, fmt);
    charts(&mut h, v, w);

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"burning\"><h2 id=\"burning\">{} ({})</h2>",
        esc(w.burning),
        v.incidents.len()
    );
    if v.incidents.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(w.no_burning));
    } else {
        h.push_str("<div class=\"cards\">\n");
        for i in &v.incidents {
            incident_card(&mut h, i, v, l, w, fmt);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");

    // The board: incidents and requests (no changes), most severe level first, then the least
    // time to breach.
    let mut board: Vec<&TicketView> = v.tickets.iter().filter(|t| !t.is_change).collect();
    board.sort_by_key(|t| {
        (
            std::cmp::Reverse(rank_of(t)),
            t.next_deadline
                .as_ref()
                .map_or(i64::MAX, |d| d.remaining_seconds),
            t.number,
        )
    });
    let _ = writeln!(
        h,
        "<section aria-labelledby=\"board\"><h2 id=\"board\">{} ({})</h2>",
        esc(w.board),
        board.len()
    );
    if board.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(l.no_open_tickets));
    } else {
        let _ = write!(h, "<table><thead><tr>");
        for c in BOARD_COLUMNS(l, &v.unit_heading) {
            let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c));
        }
        let _ = writeln!(h, "</tr></thead><tbody>");
        for t in board {
            ticket_row(&mut h, t, &v.unit_heading, l, w, fmt);
        }
        let _ = writeln!(h, "</tbody></table>");
    }
    h.push_str("</section>\n");

    let _ = writeln!(
        h,
        "<section aria-labelledby=\"changes\"><h2 id=\"changes\">{} ({})</h2>",
        esc(w.changes),
        v.changes.len()
    );
    if v.changes.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(w.no_changes));
    } else {
        h.push_str("<div class=\"cards\">\n");
        for c in &v.changes {
            change_card(&mut h, c, &v.unit_heading, l, w, fmt);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");

    if !v.pending_deliveries.is_empty() {
        let _ = writeln!(
            h,
            "<section aria-labelledby=\"pending\"><h2 id=\"pending\">{} ({})</h2><table><thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             </tr></thead><tbody>",
            esc(l.pending_deliveries),
            v.pending_deliveries.len(),
            esc(l.number),
            esc(l.channel),
            esc(l.recipient),
            esc(l.attempts),
            esc(l.last_error)
        );
        for p in &v.pending_deliveries {
            let _ = writeln!(
                h,
                "<tr><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td>\
                 <td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                esc(l.number),
                p.number.map(|n| n.to_string()).unwrap_or_default(),
                esc(l.channel),
                esc(&w.channel(&p.channel)),
                esc(l.recipient),
                esc(&p.recipient),
                esc(l.attempts),
                p.attempts,
                esc(l.last_error),
                esc(p.last_outcome.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(h, "</tbody></table></section>");
    }
    let _ = writeln!(h, "</main>\n<script>{SCRIPT}</script>\n</body></html>");
    h
}

#[allow(non_snake_case)]
fn BOARD_COLUMNS<'a>(l: &Labels, unit: &'a str) -> [&'a str; 9] {
    [
        l.number,
        l.priority,
        l.subject,
        unit,
        l.service,
        l.response,
        l.resolution,
        l.next_deadline,
        l.next_action,
    ]
}

fn rank_of(t: &TicketView) -> u8 {
    match t.level.as_deref() {
        Some("kritisk") => 4,
        Some("hoy") => 3,
        Some("middels") => 2,
        Some(_) => 1,
        None => 0,
    }
}

fn summary_strip(h: &mut String, v: &StatusView, l: &Labels, w: &Words, fmt: &str) {
    h.push_str("<ul class=\"strip\">");
    for c in &v.summary.open {
        let _ = write!(
            h,
            "<li>{} {}: <strong>{}</strong></li>",
            esc(w.open),
            esc(&c.label),
            c.count
        );
    }
    let _ = write!(
        h,
        "<li>{}: <strong>{}</strong></li><li>{}: {} {}, {} {}</li><li>{}: {}</li>",
        esc(w.breached_today),
        v.summary.breached_today,
        esc(w.deliveries),
        v.summary.deliveries_pending,
        esc(w.pending),
        v.summary.deliveries_failing,
        esc(w.failing),
        esc(l.last_poll),
        esc(&v
            .last_successful_poll
            .map(|t| t.format(fmt).to_string())
            .unwrap_or_else(|| l.never.to_string()))
    );
    h.push_str("</ul>\n");
}

/// Line colours per level position (most severe first), the badge colours.
const LINE_COLOURS: &[&str] = &["#a00000", "#8a4500", "#7a6400", "#555555"];

/// Two small inline SVG line charts: open tickets per level over 24 hours and 7 days.
fn charts(h: &mut String, v: &StatusView, w: &Words) {
    let _ = write!(
        h,
        "<section aria-labelledby=\"chart\"><h2 id=\"chart\">{}</h2><div class=\"cards\">",
        esc(w.chart)
    );
    for (points, span) in [
        (&v.history.day, w.chart_day),
        (&v.history.week, w.chart_week),
    ] {
        let max = points
            .iter()
            .flat_map(|p| p.counts.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1);
        let (width, height) = (300.0_f64, 100.0_f64);
        let n = points.len().saturating_sub(1).max(1) as f64;
        let now: Vec<String> = v
            .summary
            .open
            .iter()
            .map(|c| format!("{} {}", c.label, c.count))
            .collect();
        let label = format!("{}, {span}; {}: {}", w.chart, w.now, now.join(", "));
        let _ = write!(
            h,
            "<figure class=\"card\"><figcaption>{} ({max} max)</figcaption>\
             <svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"100%\" height=\"110\">\
             <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#f7f7f7\"/>",
            esc(span),
            esc(&label)
        );
        for (li, c) in v.summary.open.iter().enumerate() {
            let pts: Vec<String> = points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let y = height
                        - 4.0
                        - (height - 8.0) * p.counts.get(li).copied().unwrap_or(0) as f64
                            / max as f64;
                    format!("{:.1},{:.1}", width * i as f64 / n, y)
                })
                .collect();
            let colour = LINE_COLOURS[li.min(LINE_COLOURS.len() - 1)];
            let _ = write!(
                h,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
                pts.join(" "),
                esc(&c.label)
            );
        }
        h.push_str("</svg><p>");
        for (li, c) in v.summary.open.iter().enumerate() {
            let colour = LINE_COLOURS[li.min(LINE_COLOURS.len() - 1)];
            let _ = write!(
                h,
                "<span style=\"color:{colour}\">■</span> {} ",
                esc(&c.label)
            );
        }
        h.push_str("</p></figure>");
    }
    h.push_str("</div></section>\n");
}

fn incident_card(
    h: &mut String,
    i: &IncidentView,
    v: &StatusView,
    l: &Labels,
    w: &Words,
    fmt: &str,
) {
    let t = v.tickets.iter().find(|t| t.number == i.number);
    let class = if i.level == "kritisk" { " l4" } else { "" };
    let _ = write!(
        h,
        "<article class=\"card{class}\"><h3><span class=\"prio {}\">{}</span> {} {}</h3>",
        t.map_or("p0", prio_class),
        esc(&i.level_label),
        esc(l.number),
        i.number
    );
    if let Some(t) = t {
        let _ = write!(h, "<p>{}</p>", esc(&t.subject));
    }
    h.push_str("<dl>");
    let dd = |h: &mut String, k: &str, v: String| {
        let _ = write!(h, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    };
    dd(
        h,
        w.running_for,
        format!(
            "{} ({})",
            esc(&human_duration(i.running_seconds)),
            esc(&i.since.format(fmt).to_string())
        ),
    );
    if let Some(t) = t {
        dd(h, &v.unit_heading, esc(&t.municipalities.join(", ")));
        dd(h, l.service, esc(t.service.as_deref().unwrap_or("")));
    }
    dd(
        h,
        w.last_update,
        esc(&i
            .last_update
            .map_or_else(|| w.none.to_string(), |a| a.format(fmt).to_string())),
    );
    let next = match i.next_update {
        Some(n) if i.update_overdue => format!(
            "<span class=\"breached\">{} — {}</span>",
            esc(&n.format(fmt).to_string()),
            esc(w.update_overdue)
        ),
        Some(n) => esc(&n.format(fmt).to_string()),
        None => esc(w.none),
    };
    dd(h, w.next_update, next);
    if !i.acks.is_empty() {
        let acks: Vec<String> = i
            .acks
            .iter()
            .map(|a| format!("{} {}", esc(&a.by), esc(&a.at.format(fmt).to_string())))
            .collect();
        dd(h, w.acks, acks.join("<br>"));
    }
    h.push_str("</dl>");
    let _ = write!(h, "<h4>{}</h4>", esc(w.told));
    if i.told.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(w.nobody_told));
    } else {
        h.push_str("<ul>");
        for x in &i.told {
            let _ = write!(
                h,
                "<li>{} · {} · {} <span class=\"tag\">{}</span></li>",
                esc(&x.at.format(fmt).to_string()),
                esc(&w.channel(&x.channel)),
                esc(&x.recipient),
                esc(w.delivery(x.status))
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</article>\n");
}

fn change_card(h: &mut String, c: &ChangeView, unit: &str, l: &Labels, w: &Words, fmt: &str) {
    let when = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
        t.map(|t| t.format(fmt).to_string())
            .unwrap_or_else(|| "?".into())
    };
    let _ = write!(
        h,
        "<article class=\"card\"><h3>{} {} <span class=\"tag\">{}</span></h3><p>{}</p><dl>\
         <dt>{}</dt><dd>{} – {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        esc(l.number),
        c.number,
        esc(w.change_state(c.state)),
        esc(&c.subject),
        esc(w.window),
        esc(&when(c.planned_start)),
        esc(&when(c.planned_end)),
        esc(l.service),
        esc(c.service.as_deref().unwrap_or("")),
        esc(unit),
        esc(&c.municipalities.join(", ")),
    );
    if let Some(a) = &c.next_notice {
        let _ = write!(
            h,
            "<dt>{}</dt><dd>{}</dd>",
            esc(w.next_notice),
            action_text(a, l, w, fmt)
        );
    }
    let _ = write!(h, "</dl><h4>{}</h4>", esc(w.notices));
    if c.notices.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(w.no_notices));
    } else {
        h.push_str("<ul>");
        for n in &c.notices {
            let channels: Vec<String> = n.channels.iter().map(|c| w.channel(c)).collect();
            let _ = write!(
                h,
                "<li>{} · {} · {}</li>",
                esc(&n.at.format(fmt).to_string()),
                esc(w.reason(&n.what).unwrap_or(w.other_notice)),
                esc(&channels.join(", "))
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</article>\n");
}

/// "24.03. 15:45 — Varsel 75 % (respons) på e-post": when, what, on which channels; no rule
/// ids or template names.
fn action_text(a: &ActionView, l: &Labels, w: &Words, fmt: &str) -> String {
    let what = w
        .reason(&a.what)
        .map_or_else(|| l.action(a), str::to_string);
    let mut s = format!("{} — {}", esc(&a.at.format(fmt).to_string()), esc(&what));
    if !a.channels.is_empty() {
        let channels: Vec<String> = a.channels.iter().map(|c| w.channel(c)).collect();
        let _ = write!(s, " {} {}", esc(w.on), esc(&channels.join(", ")));
    }
    s
}

fn ticket_row(h: &mut String, t: &TicketView, unit: &str, l: &Labels, w: &Words, fmt: &str) {
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
        .map(|a| action_text(a, l, w, fmt))
        .unwrap_or_default();
    let unassigned = if t.unassigned {
        format!(" <span class=\"tag\">{}</span>", esc(w.unassigned))
    } else {
        String::new()
    };
    let c = BOARD_COLUMNS(l, unit).map(esc);
    let _ = writeln!(
        h,
        "<tr class=\"{class}\"><td data-label=\"{}\">{}</td><td data-label=\"{}\"><span class=\"prio {rank_class}\">{}</span></td>\
         <td data-label=\"{}\">{}<br><small>{}</small>{unassigned}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td>\
         <td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{deadline}</td><td data-label=\"{}\">{action}</td></tr>",
        c[0],
        t.number,
        c[1],
        esc(prio),
        c[2],
        esc(&t.subject),
        esc(&t.status),
        c[3],
        esc(&t.municipalities.join(", ")),
        c[4],
        esc(t.service.as_deref().unwrap_or("")),
        c[5],
        clock_cell(t.response.as_ref(), l, fmt),
        c[6],
        clock_cell(t.resolution.as_ref(), l, fmt),
        c[7],
        c[8],
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

/// The role line of an instance in an active/passive pair, in the page's language.
fn ha_line(ha: &crate::status_view::HaView, language: Language) -> String {
    let leader = ha.role == "leader";
    let (label, role) = match language {
        Language::Nb => ("Rolle", if leader { "aktiv" } else { "reserve" }),
        Language::Nn => ("Rolle", if leader { "aktiv" } else { "reserve" }),
        Language::Da => ("Rolle", if leader { "aktiv" } else { "reserve" }),
        Language::En => ("Role", if leader { "leader" } else { "standby" }),
    };
    let generation = match language {
        Language::En | Language::Da => "generation",
        Language::Nb | Language::Nn => "generasjon",
    };
    format!(
        "{label}: {role} ({}, {generation} {})",
        ha.instance, ha.generation
    )
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
