//! One local date of a calendar: a working day (with which hours), closed (and why), or off by
//! weekday — and its open intervals as UTC instants. A walker over dates keeps one year's
//! holidays at a time, so long walks compute each year's holidays once.

use super::{local, Calendar, Holiday, Interval};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The recurring (month, day) of a date.
fn month_day(date: NaiveDate) -> (u32, u32) {
    (date.month(), date.day())
}

/// Why a date is or is not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind<'c> {
    /// Open with these local intervals.
    Working(&'c [Interval]),
    /// A weekday with opening hours that is closed: a holiday (its name) or an extra closed date.
    Closed(String),
    /// No opening hours on this weekday (e.g. Saturday), and not an `open` date.
    Off,
}

/// The reason shown for an extra closed date from config.
pub const CLOSED_DATE: &str = "closed date";

pub(super) struct DayWalker<'c> {
    cal: &'c Calendar,
    year: Option<i32>,
    holidays: Vec<Holiday>,
}

impl<'c> DayWalker<'c> {
    pub(super) fn new(cal: &'c Calendar) -> Self {
        DayWalker {
            cal,
            year: None,
            holidays: Vec::new(),
        }
    }

    fn holiday(&mut self, date: NaiveDate) -> Option<&str> {
        let country = self.cal.holidays?;
        if self.year != Some(date.year()) {
            self.holidays = super::holidays::for_year(country, date.year());
            self.year = Some(date.year());
        }
        self.holidays
            .iter()
            .find(|h| h.date == date)
            .map(|h| h.name.as_str())
    }

    /// Precedence: an `open` date is open; else a weekday without hours is off; else a holiday
    /// or an extra closed date closes it; else it is a working day.
    pub(super) fn kind(&mut self, date: NaiveDate) -> DayKind<'c> {
        let cal = self.cal;
        let own: &'c [Interval] = &cal.hours[date.weekday().num_days_from_monday() as usize];
        if cal.open.contains(&date) || cal.open_yearly.contains(&month_day(date)) {
            return DayKind::Working(if own.is_empty() {
                cal.usual_hours()
            } else {
                own
            });
        }
        if own.is_empty() {
            return DayKind::Off;
        }
        if let Some(name) = self.holiday(date) {
            return DayKind::Closed(name.to_string());
        }
        if cal.closed.contains(&date) || cal.closed_yearly.contains(&month_day(date)) {
            return DayKind::Closed(CLOSED_DATE.to_string());
        }
        DayKind::Working(own)
    }

    /// The date's open intervals as `[start, end)` instants, sorted, empty ones dropped.
    pub(super) fn intervals(&mut self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        match self.kind(date) {
            DayKind::Working(hours) => hours
                .iter()
                .map(|&(s, e)| {
                    (
                        local::instant_at(self.cal.tz, date, s),
                        local::instant_at(self.cal.tz, date, e),
                    )
                })
                .filter(|(s, e)| s < e)
                .collect(),
            DayKind::Closed(_) | DayKind::Off => Vec::new(),
        }
    }
}
