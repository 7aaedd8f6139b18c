//! Business calendars: opening hours per weekday (minute precision, several intervals a day),
//! a time zone with correct DST, computed public holidays (Norway, Denmark), extra closed and
//! open dates, and business-time arithmetic whose cost grows with the days spanned, not minutes.
//!
//! All instants are `DateTime<Utc>`; local wall time is only used to find the open intervals of
//! a local date. The `24x7` calendar is always open and its arithmetic is plain elapsed time
//! (across a DST switch "2 hours" is 120 real minutes).

pub mod days;
pub mod holidays;
pub mod hours;
pub mod local;

use crate::duration::HumanDuration;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

pub use days::DayKind;
pub use holidays::{Country, Holiday};
pub use hours::{format_interval, parse_interval, parse_intervals};

/// Minutes from local midnight, `[start, end)`; `end` may be 1440.
pub type Interval = (u16, u16);

/// A recurring date: (month 1–12, day 1–31), written `"MM-DD"` in config.
pub type MonthDay = (u32, u32);

/// How far ahead (in local days) `add` looks for enough business time before giving up.
pub const SEARCH_DAYS: i64 = 20 * 366;

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub name: String,
    pub tz: Tz,
    /// Opening intervals per weekday, Monday first; sorted, non-overlapping.
    pub hours: [Vec<Interval>; 7],
    pub holidays: Option<Country>,
    /// Extra closed dates (e.g. 24 and 31 December).
    pub closed: BTreeSet<NaiveDate>,
    /// Dates open even though the weekday or a holiday says closed. They use their weekday's
    /// hours, or — when the weekday has none (a Saturday, say) — the usual working-day hours
    /// (see `usual_hours`).
    pub open: BTreeSet<NaiveDate>,
    /// Closed every year on this (month, day), e.g. `(12, 24)` for Christmas Eve.
    pub closed_yearly: BTreeSet<MonthDay>,
    /// Open every year on this (month, day), like `open` (an `open` date wins over `closed`).
    pub open_yearly: BTreeSet<MonthDay>,
    /// `true` only for `24x7`-style calendars: every instant is business time.
    pub always_open: bool,
}

impl Calendar {
    /// The always-open calendar (`24x7`).
    pub fn always_open(name: &str, tz: Tz) -> Calendar {
        Calendar {
            name: name.to_string(),
            tz,
            hours: std::array::from_fn(|_| vec![(0, 1440)]),
            holidays: None,
            closed: BTreeSet::new(),
            open: BTreeSet::new(),
            closed_yearly: BTreeSet::new(),
            open_yearly: BTreeSet::new(),
            always_open: true,
        }
    }

    /// A business calendar, checked: every interval inside 00:00–24:00 with its end after its
    /// start, no overlaps within a day (touching is fine), at least one open weekday, and no date
    /// both `closed` and `open`. Intervals are sorted. On failure, one message per problem, each
    /// starting with the key it is about (`hours.monday`, `closed`, …) so config can prefix the
    /// calendar's path.
    pub fn new(
        name: &str,
        tz: Tz,
        mut hours: [Vec<Interval>; 7],
        holidays: Option<Country>,
        closed: BTreeSet<NaiveDate>,
        open: BTreeSet<NaiveDate>,
    ) -> Result<Calendar, Vec<String>> {
        let mut problems: Vec<String> = hours
            .iter_mut()
            .enumerate()
            .flat_map(|(i, day)| hours::check_day(i, day))
            .collect();
        if hours.iter().all(|d| d.is_empty()) {
            problems.push(
                "hours: no opening hours on any weekday; give at least one day hours \
                 (e.g. monday = \"08:00-15:30\"), or use the always-open calendar 24x7"
                    .to_string(),
            );
        }
        for d in closed.intersection(&open) {
            problems.push(format!(
                "closed: {d} is listed both as closed and as open; keep it in one list"
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Calendar {
            name: name.to_string(),
            tz,
            hours,
            holidays,
            closed,
            open,
            closed_yearly: BTreeSet::new(),
            open_yearly: BTreeSet::new(),
            always_open: false,
        })
    }

    /// The calendar with recurring closed and open days (`"12-24"` every year). A day in both
    /// lists is refused, like a date in both `closed` and `open`.
    pub fn with_yearly(
        mut self,
        closed: BTreeSet<MonthDay>,
        open: BTreeSet<MonthDay>,
    ) -> Result<Calendar, Vec<String>> {
        let both: Vec<String> = closed
            .intersection(&open)
            .map(|(m, d)| {
                format!("closed: {m:02}-{d:02} is listed both as closed and as open; keep it in one list")
            })
            .collect();
        if !both.is_empty() {
            return Err(both);
        }
        self.closed_yearly = closed;
        self.open_yearly = open;
        Ok(self)
    }

    /// Whether weekdays with opening hours differ in length (a short Friday): then `wd` counts
    /// each day at its own length ([`Calendar::working_days_from`]).
    pub fn uneven_days(&self) -> bool {
        let mut lengths = self
            .hours
            .iter()
            .map(|d| hours::day_minutes(d))
            .filter(|&m| m > 0);
        let first = lengths.next();
        !self.always_open && lengths.any(|m| Some(m) != first)
    }

    /// A duration as business time from `start`: wall-clock durations as they are; working days
    /// on a calendar with days of different lengths counted day by day from `start`
    /// ([`Calendar::working_days_from`]); otherwise `n` × `day` (the calendar's working day).
    pub fn resolve_from(&self, d: &HumanDuration, start: DateTime<Utc>, day: Duration) -> Duration {
        match *d {
            HumanDuration::WorkingDaysMilli(milli) if self.uneven_days() => self
                .working_days_from(start, milli)
                .unwrap_or_else(|| d.resolve(day)),
            _ => d.resolve(day),
        }
    }

    /// Business time of `milli`/1000 working days counted from `start`, each day at its own
    /// opening length: counting starts at the next opening, whole working days step to the same
    /// business time into the day (clamped to that day's length, so a 5-hour Friday is one whole
    /// working day), and a fraction is that share of the day landed on. From Friday 12:00 on a
    /// 08:00–13:00 Friday, 3 working days end Wednesday 12:00. `None` when no opening is found
    /// within `SEARCH_DAYS`.
    pub fn working_days_from(&self, start: DateTime<Utc>, milli: i64) -> Option<Duration> {
        let s0 = self.next_opening(start)?;
        let mut walk = days::DayWalker::new(self);
        let day0 = local::date_of(self.tz, s0);
        let len = |ivs: &[(DateTime<Utc>, DateTime<Utc>)]| {
            ivs.iter().fold(Duration::zero(), |a, (s, e)| a + (*e - *s))
        };
        let first = walk.intervals(day0);
        let offset = first
            .iter()
            .map(|&(s, e)| (e.min(s0) - s).max(Duration::zero()))
            .fold(Duration::zero(), |a, b| a + b);
        let (whole, frac) = (milli.max(0) / 1000, milli.max(0) % 1000);
        let share = |l: Duration| Duration::milliseconds(l.num_milliseconds() * frac / 1000);
        if whole == 0 {
            return Some(share(len(&first)));
        }
        let mut total = len(&first) - offset;
        let mut stepped = 0;
        let mut date = day0;
        for _ in 0..SEARCH_DAYS {
            date = date.succ_opt()?;
            let ivs = walk.intervals(date);
            let l = len(&ivs);
            if l <= Duration::zero() {
                continue;
            }
            stepped += 1;
            if stepped == whole {
                return Some(total + offset.min(l) + share(l));
            }
            total += l;
        }
        None
    }

    /// Length of one working day ("1wd"): the most common non-zero day length of the week
    /// (a tie goes to the longer length). Mon–Fri 08:00–15:30 gives 7 h 30 min.
    pub fn working_day(&self) -> Duration {
        if self.always_open {
            return Duration::hours(24);
        }
        Duration::minutes(i64::from(self.working_day_minutes()))
    }

    fn working_day_minutes(&self) -> u32 {
        let lengths: Vec<u32> = self.hours.iter().map(|d| hours::day_minutes(d)).collect();
        lengths
            .iter()
            .filter(|&&m| m > 0)
            .map(|&m| (lengths.iter().filter(|&&x| x == m).count(), m))
            .max()
            .map_or(0, |(_, m)| m)
    }

    /// The hours an `open` date uses when its own weekday has none: those of the first weekday
    /// (from Monday) whose length is one working day — Monday's for a Mon–Fri calendar.
    pub fn usual_hours(&self) -> &[Interval] {
        let wd = self.working_day_minutes();
        self.hours
            .iter()
            .find(|d| !d.is_empty() && hours::day_minutes(d) == wd)
            .map_or(&[], |d| d.as_slice())
    }

    /// What kind of day `date` is (local date in the calendar's zone).
    pub fn day_kind(&self, date: NaiveDate) -> DayKind<'_> {
        if self.always_open {
            return DayKind::Working(&self.hours[0]);
        }
        days::DayWalker::new(self).kind(date)
    }

    /// The open intervals of local `date` as `[start, end)` instants, sorted.
    pub fn open_intervals(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.always_open {
            let (s, e) = (
                local::instant_at(self.tz, date, 0),
                local::instant_at(self.tz, date, 1440),
            );
            return if s < e { vec![(s, e)] } else { Vec::new() };
        }
        days::DayWalker::new(self).intervals(date)
    }

    /// Whether `t` is inside business hours.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        if self.always_open {
            return true;
        }
        let mut walk = days::DayWalker::new(self);
        let day = local::date_of(self.tz, t);
        dates(day.pred_opt(), day.succ_opt())
            .flat_map(|d| walk.intervals(d))
            .any(|(s, e)| s <= t && t < e)
    }

    /// The first business instant at or after `t` (`t` itself when open), or `None` if nothing
    /// opens within `SEARCH_DAYS`.
    pub fn next_opening(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.always_open {
            return Some(t);
        }
        let mut walk = days::DayWalker::new(self);
        let day = local::date_of(self.tz, t);
        dates(day.pred_opt(), horizon(day))
            .flat_map(|d| walk.intervals(d))
            .find(|&(_, e)| e > t)
            .map(|(s, _)| s.max(t))
    }

    /// The earliest instant ≥ `start` at which `d` of business time has elapsed. For `d <= 0` the
    /// answer is `start` itself. A deadline may fall exactly at a closing time (never at the next
    /// opening). If `d` is not reached within `SEARCH_DAYS` local days, the answer is the end of
    /// that search window (a lower bound of the true deadline, ~20 years away); `checked_add`
    /// tells the two apart.
    pub fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        if self.always_open {
            return start
                .checked_add_signed(d.max(Duration::zero()))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
        }
        self.checked_add(start, d).unwrap_or_else(|| {
            let last = local::date_of(self.tz, start)
                .checked_add_signed(Duration::days(SEARCH_DAYS + 1))
                .unwrap_or(NaiveDate::MAX);
            local::instant_at(self.tz, last, 0).max(start)
        })
    }

    /// Like `add`, but `None` when `d` is not reached within `SEARCH_DAYS` (or the end of time).
    pub fn checked_add(&self, start: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
        if d <= Duration::zero() {
            return Some(start);
        }
        if self.always_open {
            return start.checked_add_signed(d);
        }
        let mut remaining = d;
        let mut walk = days::DayWalker::new(self);
        let day = local::date_of(self.tz, start);
        for date in dates(day.pred_opt(), horizon(day)) {
            for (s, e) in walk.intervals(date) {
                let s = s.max(start);
                if e <= s {
                    continue;
                }
                let open = e - s;
                if remaining <= open {
                    return Some(s + remaining);
                }
                remaining -= open;
            }
        }
        None
    }

    /// Business time inside `[a, b)`; zero when `b <= a`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b <= a {
            return Duration::zero();
        }
        if self.always_open {
            return b - a;
        }
        let mut walk = days::DayWalker::new(self);
        let first = local::date_of(self.tz, a).pred_opt();
        let last = local::date_of(self.tz, b).succ_opt();
        dates(first, last)
            .flat_map(|d| walk.intervals(d))
            .map(|(s, e)| (s.max(a), e.min(b)))
            .filter(|(s, e)| s < e)
            .fold(Duration::zero(), |acc, (s, e)| acc + (e - s))
    }

    /// Local dates in `[a, b]` that would be working days by weekday but are closed (holiday or
    /// extra closed date), with the reason — for `explain`. The reason is the holiday's name, or
    /// `"closed date"` for a date from the calendar's `closed` list.
    pub fn skipped_days(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Vec<(NaiveDate, String)> {
        if self.always_open || b < a {
            return Vec::new();
        }
        let mut walk = days::DayWalker::new(self);
        let (first, last) = (local::date_of(self.tz, a), local::date_of(self.tz, b));
        dates(Some(first), Some(last))
            .filter_map(|d| match walk.kind(d) {
                DayKind::Closed(why) => Some((d, why)),
                DayKind::Working(_) | DayKind::Off => None,
            })
            .collect()
    }
}

/// Local dates from `first` to `last` inclusive. `None` bounds (a neighbour of a date at the
/// edge of chrono's range) clamp to that range.
fn dates(first: Option<NaiveDate>, last: Option<NaiveDate>) -> impl Iterator<Item = NaiveDate> {
    let first = first.unwrap_or(NaiveDate::MIN);
    let last = last.unwrap_or(NaiveDate::MAX);
    std::iter::successors(Some(first), move |d| d.succ_opt()).take_while(move |d| *d <= last)
}

/// `day` + `SEARCH_DAYS`, clamped to chrono's range.
fn horizon(day: NaiveDate) -> Option<NaiveDate> {
    day.checked_add_signed(Duration::days(SEARCH_DAYS))
        .or(Some(NaiveDate::MAX))
}
