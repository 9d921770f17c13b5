//! The conformance world implemented with the Rust SDK: every WIT type,
//! with the behaviour `wit/conformance.wit` documents for each function.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};

use polyplug_sdk::conformance::{
    self, AllTypes, Color, Counter, CounterBorrow, Everything, Failure, GuestCounter, Permissions, Plugin,
    PluginInfo, Point, Shape, config, kv, log, secrets,
};

struct Conformance;

impl Plugin for Conformance {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "conformance-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Every WIT type, in Rust".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

/// Counters alive now: made by `new` or `fork`, not yet dropped.
static LIVE_COUNTERS: AtomicU32 = AtomicU32::new(0);

/// The guest side of the `counter` resource.
struct GuestCounterImpl {
    value: Cell<i64>,
}

impl GuestCounterImpl {
    fn starting_at(value: i64) -> Self {
        LIVE_COUNTERS.fetch_add(1, Ordering::Relaxed);
        GuestCounterImpl { value: Cell::new(value) }
    }
}

impl Drop for GuestCounterImpl {
    fn drop(&mut self) {
        LIVE_COUNTERS.fetch_sub(1, Ordering::Relaxed);
    }
}

impl GuestCounter for GuestCounterImpl {
    fn new(start: i64) -> Self {
        GuestCounterImpl::starting_at(start)
    }

    fn increment(&self, by: i64) -> i64 {
        self.value.set(self.value.get().wrapping_add(by));
        self.value.get()
    }

    fn value(&self) -> i64 {
        self.value.get()
    }

    fn fork(&self) -> Counter {
        Counter::new(GuestCounterImpl::starting_at(self.value.get()))
    }
}

impl AllTypes for Conformance {
    type Counter = GuestCounterImpl;

    fn inc_u8(x: u8) -> u8 {
        x.wrapping_add(1)
    }
    fn inc_u16(x: u16) -> u16 {
        x.wrapping_add(1)
    }
    fn inc_u32(x: u32) -> u32 {
        x.wrapping_add(1)
    }
    fn inc_u64(x: u64) -> u64 {
        x.wrapping_add(1)
    }
    fn neg_s8(x: i8) -> i8 {
        x.wrapping_neg()
    }
    fn neg_s16(x: i16) -> i16 {
        x.wrapping_neg()
    }
    fn neg_s32(x: i32) -> i32 {
        x.wrapping_neg()
    }
    fn neg_s64(x: i64) -> i64 {
        x.wrapping_neg()
    }
    fn double_f32(x: f32) -> f32 {
        x * 2.0
    }
    fn double_f64(x: f64) -> f64 {
        x * 2.0
    }
    fn next_char(c: char) -> char {
        char::from_u32(c as u32 + 1).unwrap_or(c)
    }
    fn not_bool(b: bool) -> bool {
        !b
    }
    fn reverse_string(s: String) -> String {
        s.chars().rev().collect()
    }
    fn reverse_bytes(mut b: Vec<u8>) -> Vec<u8> {
        b.reverse();
        b
    }
    fn sum_list(xs: Vec<i64>) -> i64 {
        xs.iter().fold(0i64, |acc, x| acc.wrapping_add(*x))
    }
    fn upper_all(xs: Vec<String>) -> Vec<String> {
        xs.iter().map(|s| s.to_ascii_uppercase()).collect()
    }
    fn move_point(p: Point, dx: i32, dy: i32) -> Point {
        Point { x: p.x.wrapping_add(dx), y: p.y.wrapping_add(dy), label: format!("{} moved", p.label) }
    }
    fn area(s: Shape) -> f64 {
        match s {
            Shape::Circle(r) => std::f64::consts::PI * r * r,
            Shape::Rectangle((w, h)) => w * h,
            Shape::Polygon(points) => {
                let n = points.len();
                let twice: i64 = (0..n)
                    .map(|i| {
                        let (a, b) = (&points[i], &points[(i + 1) % n]);
                        i64::from(a.x) * i64::from(b.y) - i64::from(b.x) * i64::from(a.y)
                    })
                    .sum();
                twice.abs() as f64 / 2.0
            }
            Shape::Empty => 0.0,
        }
    }
    fn next_color(c: Color) -> Color {
        match c {
            Color::Red => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        }
    }
    fn toggle_permissions(p: Permissions) -> Permissions {
        p.symmetric_difference(Permissions::all())
    }
    fn option_len(s: Option<String>) -> Option<u32> {
        s.map(|s| s.len() as u32)
    }
    fn nested_option(x: Option<Option<u32>>) -> Option<Option<u32>> {
        x.map(|inner| inner.map(|n| n.wrapping_mul(2)))
    }
    fn parse_number(s: String) -> Result<u32, Failure> {
        if s.is_empty() {
            Err(Failure::EmptyInput)
        } else if s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            Err(Failure::TooLong)
        } else {
            // Anything else that is not a u32 counts as too long: the WIT has no third case.
            s.parse().map_err(|_| Failure::TooLong)
        }
    }
    fn rotate_tuple(t: (u8, String, f64)) -> (f64, u8, String) {
        (t.2, t.0, t.1)
    }
    fn echo_everything(e: Everything) -> Everything {
        e
    }
    fn sum_counters(a: CounterBorrow<'_>, b: CounterBorrow<'_>) -> i64 {
        a.get::<GuestCounterImpl>().value() + b.get::<GuestCounterImpl>().value()
    }

    fn live_counters() -> u32 {
        LIVE_COUNTERS.load(Ordering::Relaxed)
    }

    fn host_round_trip(key: String, message: String) -> Option<String> {
        log::log(log::Level::Info, &message);
        let value = config::get(&key)?;
        kv::set(&key, value.as_bytes()).ok()?;
        kv::get(&key).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    fn read_secret(name: String) -> String {
        match secrets::get(&name) {
            Ok(value) => format!("value:{value}"),
            Err(secrets::SecretError::NotGranted(message)) => format!("error:not-granted:{message}"),
            Err(secrets::SecretError::NotFound(message)) => format!("error:not-found:{message}"),
            Err(secrets::SecretError::Unavailable(message)) => format!("error:unavailable:{message}"),
        }
    }
}

conformance::export!(Conformance);
