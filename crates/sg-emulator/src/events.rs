//! Event subscriptions: online handlers (outgoing webhooks and `event.bind`) that receive
//! form-encoded POSTs, and the offline queue read with `event.offline.get`.

use serde_json::{Map, Value, json};

#[derive(Clone, Debug)]
pub struct Binding {
    pub id: u32,
    /// Upper-case event name.
    pub event: String,
    pub handler: Option<String>,
    pub offline: bool,
    pub auth_type: u32,
    /// The token sent as `auth[application_token]` (the app's, or the outgoing webhook's).
    pub application_token: String,
    /// Outgoing webhooks never get access tokens.
    pub outgoing_webhook: bool,
}

#[derive(Clone, Debug)]
pub struct OfflineEvent {
    pub id: u64,
    pub message_id: u64,
    pub timestamp: i64,
    pub event: String,
    pub data: Value,
    pub object: String,
    pub process_id: Option<String>,
    pub error: bool,
}

/// One POST to make to a handler.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub handler: String,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct Hub {
    pub bindings: Vec<Binding>,
    next_binding: u32,
    pub offline: Vec<OfflineEvent>,
    next_offline: u64,
    next_process: u64,
    /// Every event raised, for tests and `/_emulator/events`.
    pub raised: u64,
}

pub const KNOWN_EVENTS: &[&str] = &[
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMDEALDELETE",
    "ONCRMDEALMOVETOCATEGORY",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMLEADDELETE",
    "ONCRMACTIVITYADD",
    "ONCRMACTIVITYUPDATE",
    "ONCRMACTIVITYDELETE",
    "ONCRMTIMELINECOMMENTADD",
    "ONCRMTIMELINECOMMENTUPDATE",
    "ONCRMTIMELINECOMMENTDELETE",
    "ONTASKADD",
    "ONTASKUPDATE",
    "ONTASKDELETE",
    "ONVOXIMPLANTCALLEND",
    "ONOFFLINEEVENT",
    "ONAPPINSTALL",
];

/// Identity of the portal put into every event's `auth[...]`.
pub struct PortalIdentity<'a> {
    pub domain: &'a str,
    pub endpoint: &'a str,
    pub member_id: &'a str,
}

impl Hub {
    pub fn bind(&mut self, mut b: Binding) -> Result<(), &'static str> {
        b.event = b.event.to_ascii_uppercase();
        if !KNOWN_EVENTS.contains(&b.event.as_str()) {
            return Err("ERROR_EVENT_NOT_FOUND");
        }
        if self.bindings.iter().any(|x| x.event == b.event && x.handler == b.handler && x.offline == b.offline) {
            return Ok(());
        }
        self.next_binding += 1;
        b.id = self.next_binding;
        self.bindings.push(b);
        Ok(())
    }

    pub fn unbind(&mut self, event: &str, handler: Option<&str>, offline: bool) -> usize {
        let before = self.bindings.len();
        self.bindings.retain(|b| {
            !(b.event.eq_ignore_ascii_case(event) && b.offline == offline && (handler.is_none() || b.handler.as_deref() == handler))
        });
        before - self.bindings.len()
    }

    /// Raise an event: returns the online deliveries to make and queues offline ones (one
    /// record per event and object: later changes replace earlier ones).
    pub fn raise(&mut self, event: &str, data: Value, now: i64, portal: &PortalIdentity) -> Vec<Delivery> {
        self.raised += 1;
        let object = object_key(&data);
        let mut out = Vec::new();
        let mut queue_offline = false;
        for b in self.bindings.iter().filter(|b| b.event == event) {
            if b.offline {
                queue_offline = true;
                continue;
            }
            let Some(handler) = &b.handler else { continue };
            let mut pairs: Vec<(String, String)> = vec![("event".into(), event.into()), ("event_handler_id".into(), b.id.to_string())];
            flatten("data", &data, &mut pairs);
            pairs.push(("ts".into(), now.to_string()));
            pairs.push(("auth[domain]".into(), portal.domain.into()));
            pairs.push(("auth[client_endpoint]".into(), format!("{}/rest/", portal.endpoint)));
            pairs.push(("auth[server_endpoint]".into(), format!("{}/rest/", portal.endpoint)));
            pairs.push(("auth[member_id]".into(), portal.member_id.into()));
            pairs.push(("auth[application_token]".into(), b.application_token.clone()));
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            out.push(Delivery { handler: handler.clone(), body });
        }
        if queue_offline {
            self.next_offline += 1;
            let id = self.next_offline;
            self.offline.retain(|e| !(e.event == event && e.object == object && e.process_id.is_none()));
            self.offline.push(OfflineEvent {
                id,
                message_id: id,
                timestamp: now,
                event: event.into(),
                data,
                object,
                process_id: None,
                error: false,
            });
        }
        out
    }

    /// `event.offline.get`: up to `limit` records; `clear` deletes them, otherwise they are
    /// reserved under a new process id.
    pub fn offline_get(&mut self, limit: usize, clear: bool, tz_render: &dyn Fn(i64) -> String) -> Value {
        let take: Vec<usize> =
            self.offline.iter().enumerate().filter(|(_, e)| e.process_id.is_none() && !e.error).map(|(i, _)| i).take(limit).collect();
        let process_id = (!clear && !take.is_empty()).then(|| {
            self.next_process += 1;
            format!("p{:08}", self.next_process)
        });
        let events: Vec<Value> = take.iter().map(|&i| render_offline(&self.offline[i], tz_render)).collect();
        if clear {
            let ids: Vec<u64> = take.iter().map(|&i| self.offline[i].id).collect();
            self.offline.retain(|e| !ids.contains(&e.id));
        } else {
            for &i in &take {
                self.offline[i].process_id = process_id.clone();
            }
        }
        json!({"process_id": process_id, "events": events})
    }

    /// `event.offline.clear`: delete reserved records of a process (optionally only some).
    pub fn offline_clear(&mut self, process_id: &str, message_ids: Option<&[u64]>) -> usize {
        let before = self.offline.len();
        self.offline
            .retain(|e| !(e.process_id.as_deref() == Some(process_id) && message_ids.is_none_or(|ids| ids.contains(&e.message_id))));
        before - self.offline.len()
    }

    /// `event.offline.error`: mark records as failed so they are not handed out again.
    pub fn offline_error(&mut self, process_id: &str, message_ids: &[u64]) {
        for e in self.offline.iter_mut().filter(|e| e.process_id.as_deref() == Some(process_id) && message_ids.contains(&e.message_id)) {
            e.error = true;
        }
    }
}

pub fn render_offline(e: &OfflineEvent, tz_render: &dyn Fn(i64) -> String) -> Value {
    json!({
        "ID": e.id.to_string(),
        "TIMESTAMP_X": tz_render(e.timestamp),
        "EVENT_NAME": e.event,
        "EVENT_DATA": e.data,
        "EVENT_ADDITIONAL": false,
        "MESSAGE_ID": e.message_id.to_string(),
    })
}

fn object_key(data: &Value) -> String {
    data.pointer("/FIELDS/ID")
        .or_else(|| data.pointer("/FIELDS_AFTER/ID"))
        .or_else(|| data.pointer("/CALL_ID"))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// PHP bracket form encoding of a nested value: `data[FIELDS][ID]=759`.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => flatten_map(prefix, map, out),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => out.push((prefix.into(), String::new())),
        Value::String(s) => out.push((prefix.into(), s.clone())),
        other => out.push((prefix.into(), other.to_string())),
    }
}

fn flatten_map(prefix: &str, map: &Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (k, v) in map {
        flatten(&format!("{prefix}[{k}]"), v, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> PortalIdentity<'static> {
        PortalIdentity { domain: "demo.example", endpoint: "http://127.0.0.1:1", member_id: "m" }
    }

    fn binding(event: &str, handler: Option<&str>, offline: bool) -> Binding {
        Binding {
            id: 0,
            event: event.into(),
            handler: handler.map(String::from),
            offline,
            auth_type: 0,
            application_token: "tok".into(),
            outgoing_webhook: false,
        }
    }

    #[test]
    fn online_delivery_is_form_encoded_with_token() {
        let mut hub = Hub::default();
        hub.bind(binding("onCrmDealUpdate", Some("http://h/events"), false)).unwrap();
        let out = hub.raise("ONCRMDEALUPDATE", json!({"FIELDS": {"ID": "759"}}), 1_736_405_807, &portal());
        assert_eq!(out.len(), 1);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(out[0].body.as_bytes()).into_owned().collect();
        assert!(pairs.contains(&("data[FIELDS][ID]".into(), "759".into())));
        assert!(pairs.contains(&("auth[application_token]".into(), "tok".into())));
        assert!(pairs.contains(&("event".into(), "ONCRMDEALUPDATE".into())));
    }

    #[test]
    fn offline_queue_keeps_latest_per_object() {
        let mut hub = Hub::default();
        hub.bind(binding("ONCRMDEALUPDATE", None, true)).unwrap();
        for t in 0..1000 {
            hub.raise("ONCRMDEALUPDATE", json!({"FIELDS": {"ID": "5"}}), t, &portal());
        }
        hub.raise("ONCRMDEALUPDATE", json!({"FIELDS": {"ID": "6"}}), 2000, &portal());
        assert_eq!(hub.offline.len(), 2);
        let got = hub.offline_get(50, false, &|t| t.to_string());
        let pid = got["process_id"].as_str().unwrap().to_string();
        assert_eq!(got["events"].as_array().unwrap().len(), 2);
        // Reserved records are not handed out twice.
        assert_eq!(hub.offline_get(50, false, &|t| t.to_string())["events"].as_array().unwrap().len(), 0);
        assert_eq!(hub.offline_clear(&pid, None), 2);
    }

    #[test]
    fn unknown_events_are_refused() {
        assert!(Hub::default().bind(binding("ONNOTHING", Some("http://h"), false)).is_err());
    }
}
