//! Shared helpers: start an emulator, call it like a client would, read its dump.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};
use sg_emulator::{Emulator, EmulatorConfig};

pub struct Portal {
    pub emulator: Emulator,
    pub webhook: String,
    pub http: reqwest::Client,
    pub dump: Option<tempfile::TempDir>,
}

impl Portal {
    pub async fn start(config: EmulatorConfig) -> Portal {
        let emulator = Emulator::start(config).await.expect("emulator starts");
        let webhook = emulator.webhook_url();
        Portal { emulator, webhook, http: reqwest::Client::new(), dump: None }
    }

    /// A portal that also wrote its dump.
    pub async fn with_dump(mut config: EmulatorConfig) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        config.dump = Some(dir.path().to_path_buf());
        let mut p = Portal::start(config).await;
        p.dump = Some(dir);
        p
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.emulator.addr)
    }

    /// POST a JSON body to a method of the main webhook; returns HTTP status and body.
    pub async fn call(&self, method: &str, params: Value) -> (u16, Value) {
        post_json(&self.http, &format!("{}{method}.json", self.webhook), params).await
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let r = self.http.post(format!("{}/_emulator/{path}", self.base())).json(&body).send().await.unwrap();
        r.json().await.unwrap()
    }

    pub async fn state(&self) -> Value {
        self.http.get(format!("{}/_emulator/state", self.base())).send().await.unwrap().json().await.unwrap()
    }

    pub fn dump_dir(&self) -> &Path {
        self.dump.as_ref().expect("started with_dump").path()
    }

    /// A fresh OAuth access token for `user` through the authorization-code flow.
    pub async fn app_token(&self, user: u32) -> Value {
        let code = self.control("oauth/code", json!({"user": user})).await["code"].as_str().unwrap().to_string();
        let state = self.state().await;
        let url = format!(
            "{}/oauth/token/?grant_type=authorization_code&client_id={}&client_secret={}&code={code}",
            self.base(),
            state["oauth"]["client_id"].as_str().unwrap(),
            state["oauth"]["client_secret"].as_str().unwrap()
        );
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }

    /// Call with OAuth auth (`/rest/method?auth=TOKEN`).
    pub async fn call_app(&self, token: &str, method: &str, params: Value) -> (u16, Value) {
        post_json(&self.http, &format!("{}/rest/{method}?auth={token}", self.base()), params).await
    }
}

pub async fn post_json(http: &reqwest::Client, url: &str, params: Value) -> (u16, Value) {
    let r = http.post(url).json(&params).send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub fn read_jsonl(dir: &Path, name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(format!("{name}.jsonl"))).expect("dump file");
    text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

pub fn by_id(rows: &[Value]) -> HashMap<i64, &Value> {
    rows.iter().map(|r| (r["id"].as_i64().unwrap(), r)).collect()
}
