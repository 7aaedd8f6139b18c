//! Measuring helpers shared by the benchmarks (`scale.rs`, `year.rs`): peak RSS, this thread's
//! CPU time, and timing a closure.
#![allow(dead_code)]
// A benchmark measures real elapsed time.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// CPU time consumed by the calling thread so far, in ms (nanosecond resolution). std has no
/// CPU clock, so this calls the C library's `clock_gettime` that std already links.
pub fn thread_cpu_ms() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: std::os::raw::c_long,
        nsec: std::os::raw::c_long,
    }
    extern "C" {
        fn clock_gettime(clock: std::os::raw::c_int, ts: *mut Timespec) -> std::os::raw::c_int;
    }
    // Linux's CLOCK_THREAD_CPUTIME_ID.
    const THREAD_CPU: std::os::raw::c_int = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec (two C longs on 64-bit Linux); the call only
    // writes it.
    let rc = unsafe { clock_gettime(THREAD_CPU, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.sec as f64 * 1000.0 + ts.nsec as f64 / 1e6
}

/// Wall and CPU time of `f`.
pub fn timed<R>(f: impl FnOnce() -> R) -> (R, f64, f64) {
    let c = thread_cpu_ms();
    let t = Instant::now();
    let r = f();
    (r, ms(t.elapsed()), thread_cpu_ms() - c)
}
