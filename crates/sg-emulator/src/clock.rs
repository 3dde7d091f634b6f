//! The emulator's clock: starts at the generated company's "now" and runs at real speed, so
//! `server.time`, `time.*` fields, token expiry and live changes all agree.

use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Clock {
    origin: Instant,
    origin_unix: f64,
}

impl Clock {
    pub fn starting_at(unix_seconds: i64) -> Self {
        Clock { origin: Instant::now(), origin_unix: unix_seconds as f64 }
    }
    pub fn now(&self) -> f64 {
        self.origin_unix + self.origin.elapsed().as_secs_f64()
    }
    pub fn now_secs(&self) -> i64 {
        self.now().floor() as i64
    }
}
