//! The running portal's shared state: the company, the clock, limits, faults, credentials,
//! event subscriptions and everything recorded for tests (messages sent to chats).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use serde_json::Value;
use tokio::sync::mpsc;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::company::Company;
use crate::events::{Delivery, Hub, PortalIdentity};
use crate::faults::Faults;
use crate::limits::Limits;

pub struct Portal {
    pub company: RwLock<Company>,
    pub clock: Clock,
    /// `http://ADDR`, the portal's own address.
    pub base_url: String,
    pub domain: String,
    pub limits: Mutex<Limits>,
    pub faults: Mutex<Faults>,
    pub auth: Mutex<Auth>,
    pub hub: Mutex<Hub>,
    pub outbox: mpsc::UnboundedSender<Delivery>,
    /// Calls of `im.message.add`, `im.notify.*` and `im.v2.File.upload`, in order.
    pub messages: Mutex<Vec<Value>>,
    /// Manual block: every call answers 503 OVERLOAD_LIMIT.
    pub overload: AtomicBool,
    pub requests: AtomicU64,
}

impl Portal {
    /// Raise a CRM event: online handlers get a POST soon, offline bindings queue it.
    pub fn raise(&self, event: &str, data: Value) {
        let member_id = self.auth.lock().expect("auth lock").member_id.clone();
        let identity = PortalIdentity { domain: &self.domain, endpoint: &self.base_url, member_id: &member_id };
        let deliveries = self.hub.lock().expect("hub lock").raise(event, data, self.clock.now_secs(), &identity);
        for d in deliveries {
            // The receiver lives as long as the server; a closed channel means shutdown.
            let _ = self.outbox.send(d);
        }
    }

    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}
