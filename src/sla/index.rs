//! A prefix-sum index of a business calendar's open intervals, so that the SLA clocks of
//! 100,000 tickets cost microseconds each instead of a day-by-day walk per question.
//!
//! The index lists every open interval of the calendar over about eight years around the
//! `now` it was first asked at, with the business time before each one. Then business time
//! between two instants is two binary searches, and "when has `d` of business time run" is one.
//! Anything outside the indexed years (or with sub-millisecond instants) falls back to the
//! calendar's own arithmetic, so answers are always the calendar's answers; a unit test checks
//! the two agree.
//!
//! Indexes are memoised per calendar (by value, so a reloaded config with the same calendar
//! reuses its index and a changed one gets a new one) in a small process-wide cache. This is
//! transparent: `clocks` stays a pure function of its inputs.

use super::timeline::BusinessTime;
use crate::calendar::Calendar;
use chrono::{DateTime, Duration, Utc};
use std::cell::Cell;
use std::sync::{Arc, RwLock};

/// Years indexed on each side of the `now` an index is built for.
const YEARS: i64 = 4;
/// An index is rebuilt once `now` is closer than this to either end of its range.
const MARGIN_DAYS: i64 = 366;
/// Distinct calendars kept (a config has a handful; reloads may add a few).
const CACHE_SIZE: usize = 16;

#[derive(Debug)]
pub struct Index {
    /// Interval starts and ends in Unix milliseconds, sorted, non-overlapping.
    starts: Vec<i64>,
    ends: Vec<i64>,
    /// Business milliseconds before each interval; `cum_end[i] = cum[i] + len(i)`.
    cum: Vec<i64>,
    cum_end: Vec<i64>,
    /// Instants `[lo, hi]` the index answers for.
    lo: i64,
    hi: i64,
    /// The calendar's `working_day()`, computed once.
    working_day: Duration,
}

impl Index {
    /// Indexes `calendar` over `YEARS` years before and after `around`.
    pub fn build(calendar: &Calendar, around: DateTime<Utc>) -> Index {
        let first = (around - Duration::days(YEARS * 366)).date_naive();
        let last = (around + Duration::days(YEARS * 366)).date_naive();
        let mut idx = Index {
            starts: Vec::new(),
            ends: Vec::new(),
            cum: Vec::new(),
            cum_end: Vec::new(),
            lo: i64::MAX,
            hi: i64::MIN,
            working_day: calendar.working_day(),
        };
        let mut total = 0i64;
        let mut date = first;
        while date <= last {
            for (s, e) in calendar.open_intervals(date) {
                let (mut s, e) = (s.timestamp_millis(), e.timestamp_millis());
                // Keep the list strictly ordered even around odd DST shapes.
                if let Some(&prev) = idx.ends.last() {
                    s = s.max(prev);
                }
                if e <= s {
                    continue;
                }
                idx.starts.push(s);
                idx.ends.push(e);
                idx.cum.push(total);
                total += e - s;
                idx.cum_end.push(total);
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        // Answer only strictly inside the walked dates: a day's neighbours may hold intervals
        // (hours past midnight, zone offsets) that were not walked.
        let margin = Duration::days(2);
        idx.lo = (around - Duration::days(YEARS * 366) + margin).timestamp_millis();
        idx.hi = (around + Duration::days(YEARS * 366) - margin).timestamp_millis();
        idx
    }

    fn fresh_for(&self, now: DateTime<Utc>) -> bool {
        let now = now.timestamp_millis();
        let margin = MARGIN_DAYS * 86_400_000;
        now >= self.lo.saturating_add(margin) && now <= self.hi.saturating_sub(margin)
    }

    /// Millisecond timestamp if `t` is inside the range and whole milliseconds.
    fn ms(&self, t: DateTime<Utc>) -> Option<i64> {
        let ms = t.timestamp_millis();
        (ms >= self.lo && ms <= self.hi && t.timestamp_subsec_nanos() % 1_000_000 == 0)
            .then_some(ms)
    }

    /// Business milliseconds before `t` (from the start of the index).
    fn before(&self, t: i64) -> i64 {
        let i = self.starts.partition_point(|&s| s <= t);
        if i == 0 {
            return 0;
        }
        let j = i - 1;
        self.cum[j] + (t.min(self.ends[j]) - self.starts[j])
    }

    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Option<Duration> {
        if b <= a {
            return Some(Duration::zero());
        }
        let (a, b) = (self.ms(a)?, self.ms(b)?);
        Some(Duration::milliseconds(self.before(b) - self.before(a)))
    }

    pub fn add(&self, start: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
        if d <= Duration::zero() {
            return Some(start);
        }
        if d.subsec_nanos() % 1_000_000 != 0 {
            return None;
        }
        let a = self.ms(start)?;
        self.add_from(self.before(a), d)
    }

    /// The instant at which `d` (> 0) of business time has run after business position `from`.
    fn add_from(&self, from: i64, d: Duration) -> Option<DateTime<Utc>> {
        if d <= Duration::zero() || d.subsec_nanos() % 1_000_000 != 0 {
            return None;
        }
        let target = from.checked_add(d.num_milliseconds())?;
        let j = self.cum_end.partition_point(|&c| c < target);
        let at = *self.starts.get(j)? + (target - self.cum[j]);
        (at <= self.hi).then(|| DateTime::from_timestamp_millis(at))?
    }
}

/// A calendar with its index, if it has one: what the clocks compute with.
#[derive(Debug, Clone)]
pub struct Indexed<'a> {
    pub calendar: &'a Calendar,
    index: Option<Arc<Index>>,
    /// The last two `before` answers: a clock asks about its start and `now` over and over.
    memo: Cell<[(i64, i64); 2]>,
}

impl<'a> Indexed<'a> {
    /// The memoised index of `calendar` (built on first use); none for always-open calendars,
    /// whose arithmetic is already plain addition.
    pub fn new(calendar: &'a Calendar, now: DateTime<Utc>) -> Self {
        let index = (!calendar.always_open).then(|| cached(calendar, now));
        Indexed {
            calendar,
            index,
            memo: Cell::new([(i64::MIN, 0); 2]),
        }
    }
    /// One `wd` of the calendar.
    pub fn working_day(&self) -> Duration {
        self.index
            .as_ref()
            .map_or_else(|| self.calendar.working_day(), |i| i.working_day)
    }
    /// Without an index: the calendar's own arithmetic (for one-off questions).
    pub fn plain(calendar: &'a Calendar) -> Self {
        Indexed {
            calendar,
            index: None,
            memo: Cell::new([(i64::MIN, 0); 2]),
        }
    }
}

impl Indexed<'_> {
    /// `Index::before`, remembering the last two answers.
    fn before(&self, idx: &Index, t: i64) -> i64 {
        let mut memo = self.memo.get();
        if let Some(&(_, v)) = memo.iter().find(|(k, _)| *k == t) {
            return v;
        }
        let v = idx.before(t);
        memo[1] = memo[0];
        memo[0] = (t, v);
        self.memo.set(memo);
        v
    }
}

impl BusinessTime for Indexed<'_> {
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b <= a {
            return Duration::zero();
        }
        if let Some(idx) = self.index.as_deref() {
            if let (Some(x), Some(y)) = (idx.ms(a), idx.ms(b)) {
                return Duration::milliseconds(self.before(idx, y) - self.before(idx, x));
            }
        }
        self.calendar.between(a, b)
    }
    fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        if let Some(idx) = self.index.as_deref() {
            if let Some(a) = idx.ms(start) {
                let from = self.before(idx, a);
                if let Some(t) = idx.add_from(from, d) {
                    return t;
                }
            }
        }
        self.calendar.add(start, d)
    }
}

static CACHE: RwLock<Vec<(Calendar, Arc<Index>)>> = RwLock::new(Vec::new());

fn cached(calendar: &Calendar, now: DateTime<Utc>) -> Arc<Index> {
    {
        let entries = CACHE.read().unwrap_or_else(|e| e.into_inner());
        if let Some((_, idx)) = entries
            .iter()
            .find(|(c, idx)| c == calendar && idx.fresh_for(now))
        {
            return Arc::clone(idx);
        }
    }
    let idx = Arc::new(Index::build(calendar, now));
    let mut entries = CACHE.write().unwrap_or_else(|e| e.into_inner());
    entries.retain(|(c, _)| c != calendar);
    if entries.len() >= CACHE_SIZE {
        entries.remove(0);
    }
    entries.push((calendar.clone(), Arc::clone(&idx)));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    fn calendar() -> Calendar {
        let mut hours: [Vec<(u16, u16)>; 7] = Default::default();
        for d in hours.iter_mut().take(5) {
            *d = vec![(480, 690), (720, 930)];
        }
        hours[5] = vec![(600, 840)];
        let closed: BTreeSet<_> = [chrono::NaiveDate::from_ymd_opt(2027, 12, 24).unwrap()].into();
        Calendar::new(
            "test",
            chrono_tz::Europe::Oslo,
            hours,
            Some(crate::calendar::Country::No),
            closed,
            BTreeSet::new(),
        )
        .unwrap()
    }

    /// A small deterministic generator (no extra dependency for one test).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn agrees_with_the_calendar() {
        let cal = calendar();
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let idx = Index::build(&cal, base);
        let ix = Indexed::new(&cal, base);
        let mut seed = 7;
        for _ in 0..2000 {
            let a = base + Duration::seconds((lcg(&mut seed) % (800 * 86_400)) as i64)
                - Duration::days(400);
            let b = a + Duration::seconds((lcg(&mut seed) % (40 * 86_400)) as i64);
            assert_eq!(idx.between(a, b), Some(cal.between(a, b)), "{a} {b}");
            let d = Duration::seconds((lcg(&mut seed) % (60 * 3600)) as i64 + 1);
            assert_eq!(idx.add(a, d), Some(cal.add(a, d)), "{a} + {d}");
            // The memoising wrapper, asked twice about the same start.
            assert_eq!(ix.add(a, d), cal.add(a, d));
            assert_eq!(ix.between(a, b), cal.between(a, b));
            assert_eq!(
                ix.add(a, d + Duration::minutes(1)),
                cal.add(a, d + Duration::minutes(1))
            );
        }
        // Outside the indexed years it declines, and `Indexed` falls back.
        let far = base + Duration::days(10 * 366);
        assert_eq!(idx.between(far, far + Duration::days(1)), None);
        assert_eq!(
            ix.between(far, far + Duration::days(3)),
            cal.between(far, far + Duration::days(3))
        );
    }
}
