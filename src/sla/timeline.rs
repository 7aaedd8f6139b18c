//! The pause-aware clock arithmetic shared by every SLA clock and by `explain`.
//!
//! A clock counts the calendar's business time (real time on `24x7`) from its start, except
//! inside excluded spans (pauses; for resolution also solved spans that were later reopened).
//! [`Gaps`] walks the complement of those spans without allocating; [`reach`] finds when given
//! amounts of counted time are reached and [`used`] measures counted time up to an instant.
//! Each gap costs one `between` (or one `add` in the gap that holds the answer), so the cost is
//! proportional to the excluded spans plus the days spanned — never to minutes.

use crate::calendar::Calendar;
use crate::ticket::Span;
use chrono::{DateTime, Duration, Utc};

/// The two questions a clock asks its calendar (answered by the calendar itself, or faster by
/// its index, `super::index::Indexed`).
pub trait BusinessTime {
    /// Business time inside `[a, b)`.
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration;
    /// The earliest instant ≥ `start` at which `d` of business time has elapsed.
    fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc>;
}

impl BusinessTime for Calendar {
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        Calendar::between(self, a, b)
    }
    fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        Calendar::add(self, start, d)
    }
}

/// The counted intervals `[a, b)` from `start` on, in order; the last one is open (`b = None`).
///
/// `pauses` are excluded whether closed or open (an open one ends at `open_end`, i.e. "as if the
/// pause ended now"); `solved` spans are excluded only when closed (an open solved span is the
/// clock's stop, not an exclusion). Both slices must be sorted by start; they may overlap.
#[derive(Debug, Clone)]
pub struct Gaps<'a> {
    pauses: &'a [Span],
    solved: &'a [Span],
    open_end: DateTime<Utc>,
    /// Where the next gap starts; `None` once the open gap was returned.
    cursor: Option<DateTime<Utc>>,
}

impl<'a> Gaps<'a> {
    pub fn new(
        start: DateTime<Utc>,
        pauses: &'a [Span],
        solved: &'a [Span],
        open_end: DateTime<Utc>,
    ) -> Self {
        Gaps {
            pauses,
            solved,
            open_end,
            cursor: Some(start),
        }
    }

    /// The next excluded span by start, consuming it.
    fn next_excluded(&mut self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        // Open solved spans are stops, not exclusions.
        while let Some((s, rest)) = self.solved.split_first() {
            if s.end.is_some() {
                break;
            }
            self.solved = rest;
        }
        let take_pause = match (self.pauses.first(), self.solved.first()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(p), Some(s)) => p.start <= s.start,
        };
        let span = if take_pause {
            let (p, rest) = self.pauses.split_first()?;
            self.pauses = rest;
            p
        } else {
            let (s, rest) = self.solved.split_first()?;
            self.solved = rest;
            s
        };
        let end = span.end.unwrap_or(self.open_end).max(span.start);
        Some((span.start, end))
    }
}

impl Iterator for Gaps<'_> {
    type Item = (DateTime<Utc>, Option<DateTime<Utc>>);

    fn next(&mut self) -> Option<Self::Item> {
        let mut cursor = self.cursor?;
        loop {
            match self.next_excluded() {
                None => {
                    self.cursor = None;
                    return Some((cursor, None));
                }
                Some((_, e)) if e <= cursor => continue,
                Some((s, e)) if s > cursor => {
                    self.cursor = Some(e);
                    return Some((cursor, Some(s)));
                }
                // Overlaps the cursor: the gap starts after it.
                Some((_, e)) => cursor = e,
            }
        }
    }
}

/// For each amount (ascending, all > 0), the earliest instant at which the counted time from
/// the start reaches it. Calls `found(index, instant)` in order.
pub fn reach(
    calendar: &impl BusinessTime,
    gaps: Gaps<'_>,
    amounts: &[Duration],
    mut found: impl FnMut(usize, DateTime<Utc>),
) {
    let mut consumed = Duration::zero();
    let mut k = 0;
    for (a, b) in gaps {
        if k == amounts.len() {
            return;
        }
        let room = b.map(|b| calendar.between(a, b));
        while k < amounts.len() {
            let need = amounts[k] - consumed;
            if room.is_some_and(|g| need > g) {
                break;
            }
            found(k, calendar.add(a, need.max(Duration::zero())));
            k += 1;
        }
        if let Some(g) = room {
            consumed += g;
        }
    }
}

/// The one instant at which `amount` of counted time is reached.
pub fn reach_one(calendar: &impl BusinessTime, gaps: Gaps<'_>, amount: Duration) -> DateTime<Utc> {
    let mut at = None;
    reach(calendar, gaps, std::slice::from_ref(&amount), |_, t| {
        at = Some(t)
    });
    // `Gaps` always ends with an open gap, so `reach` always answers.
    at.unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Counted time from the start up to `until`.
pub fn used(calendar: &impl BusinessTime, gaps: Gaps<'_>, until: DateTime<Utc>) -> Duration {
    let mut total = Duration::zero();
    for (a, b) in gaps {
        if a >= until {
            break;
        }
        let end = b.map_or(until, |b| b.min(until));
        total += calendar.between(a, end);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 4, h, m, 0).unwrap()
    }
    fn span(a: DateTime<Utc>, b: Option<DateTime<Utc>>) -> Span {
        Span { start: a, end: b }
    }

    #[test]
    fn gaps_skip_overlapping_and_earlier_spans() {
        let pauses = [
            span(t(8, 0), Some(t(9, 0))),
            span(t(10, 0), Some(t(11, 0))),
            span(t(13, 0), None),
        ];
        let solved = [span(t(10, 30), Some(t(12, 0))), span(t(14, 0), None)];
        let g: Vec<_> = Gaps::new(t(8, 30), &pauses, &solved, t(15, 0)).collect();
        assert_eq!(
            g,
            vec![
                (t(9, 0), Some(t(10, 0))),
                (t(12, 0), Some(t(13, 0))),
                (t(15, 0), None)
            ]
        );
    }

    #[test]
    fn reach_and_used_on_real_time() {
        let cal = Calendar::always_open("24x7", chrono_tz::Europe::Oslo);
        let pauses = [span(t(9, 0), Some(t(10, 0)))];
        let gaps = || Gaps::new(t(8, 0), &pauses, &[], t(12, 0));
        let mut got = Vec::new();
        reach(
            &cal,
            gaps(),
            &[
                Duration::minutes(30),
                Duration::minutes(60),
                Duration::minutes(90),
            ],
            |i, at| got.push((i, at)),
        );
        // Exactly at the pause start, not at its end: the earliest instant.
        assert_eq!(got, vec![(0, t(8, 30)), (1, t(9, 0)), (2, t(10, 30))]);
        assert_eq!(used(&cal, gaps(), t(11, 0)), Duration::minutes(120));
        assert_eq!(used(&cal, gaps(), t(9, 30)), Duration::minutes(60));
        assert_eq!(used(&cal, gaps(), t(7, 0)), Duration::zero());
    }
}
