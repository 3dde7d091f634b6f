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
    /// Malformed values to send for some deals (fault injection for bad-input tests).
    pub corrupt_deals: Mutex<std::collections::HashMap<u32, serde_json::Map<String, Value>>>,
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

    /// Replace fields of corrupted deals in rendered legacy rows.
    pub fn corrupt(&self, rows: &mut Value) {
        let corrupt = self.corrupt_deals.lock().expect("corrupt lock");
        if corrupt.is_empty() {
            return;
        }
        let mut patch = |row: &mut Value| {
            let id = row.get("ID").and_then(Value::as_str).and_then(|s| s.parse::<u32>().ok());
            if let (Some(fields), Some(obj)) = (id.and_then(|id| corrupt.get(&id)), row.as_object_mut()) {
                for (k, v) in fields {
                    obj.insert(k.clone(), v.clone());
                }
            }
        };
        match rows {
            Value::Array(items) => items.iter_mut().for_each(&mut patch),
            row => patch(row),
        }
    }

    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}
