//! Who may call: incoming webhooks (`/rest/{user}/{code}/`) and one OAuth application with
//! expiring access tokens and rotating refresh tokens (`/oauth/token/`).

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::rest::ApiError;

pub const ALL_SCOPES: &[&str] = &["crm", "user", "department", "telephony", "task", "im", "basic", "placement"];

#[derive(Clone, Debug)]
pub struct Webhook {
    pub user: u32,
    pub code: String,
    /// `None` = every scope.
    pub scopes: Option<Vec<String>>,
}

/// The authenticated caller of one request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Key for the operating-time budget: the webhook or the application.
    pub key: String,
    pub user: u32,
    pub app: bool,
    pub scopes: Option<Vec<String>>,
}

impl Caller {
    pub fn has_scope(&self, scope: &str) -> bool {
        scope == "basic" || self.scopes.as_ref().is_none_or(|s| s.iter().any(|x| x == scope))
    }
}

#[derive(Debug)]
struct Access {
    user: u32,
    expires: i64,
}

#[derive(Debug)]
pub struct Auth {
    pub webhooks: Vec<Webhook>,
    pub client_id: String,
    pub client_secret: String,
    pub member_id: String,
    pub application_token: String,
    pub token_ttl: i64,
    access: HashMap<String, Access>,
    refresh: HashMap<String, u32>,
    codes: HashMap<String, (u32, i64)>,
    rng: ChaCha8Rng,
}

/// A token-endpoint answer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub expires: i64,
    pub user_id: u32,
    pub member_id: String,
    pub scope: String,
    pub status: String,
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: String,
}

fn token(rng: &mut ChaCha8Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

impl Auth {
    /// Credentials derive from the seed, so the same seed prints the same webhook URL.
    pub fn new(seed: u64, token_ttl: i64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA07);
        let main = token(&mut rng, 16);
        let limited = token(&mut rng, 16);
        let client_id = format!("local.{}.{}", token(&mut rng, 14), token(&mut rng, 8));
        let client_secret = token(&mut rng, 48);
        let member_id = token(&mut rng, 32);
        let application_token = token(&mut rng, 32);
        Auth {
            webhooks: vec![
                Webhook { user: 1, code: main, scopes: None },
                Webhook { user: 1, code: limited, scopes: Some(vec!["crm".into()]) },
            ],
            client_id,
            client_secret,
            member_id,
            application_token,
            token_ttl,
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashMap::new(),
            rng,
        }
    }

    pub fn webhook(&self, user: u32, code: &str) -> Result<Caller, ApiError> {
        self.webhooks
            .iter()
            .find(|w| w.user == user && w.code == code)
            .map(|w| Caller { key: format!("webhook:{}", w.code), user, app: false, scopes: w.scopes.clone() })
            .ok_or_else(ApiError::no_auth)
    }

    pub fn access(&self, token: &str, now: i64) -> Result<Caller, ApiError> {
        match self.access.get(token) {
            Some(a) if a.expires > now => Ok(Caller { key: format!("app:{}", self.client_id), user: a.user, app: true, scopes: None }),
            Some(_) => Err(ApiError::new(401, "expired_token", "The access token provided has expired")),
            None => Err(ApiError::new(401, "invalid_token", "The access token provided is invalid")),
        }
    }

    /// Issue a fresh token pair for `user` (install, authorization code or refresh).
    pub fn issue(&mut self, user: u32, now: i64, portal: &str) -> TokenResponse {
        let access_token = token(&mut self.rng, 32);
        let refresh_token = token(&mut self.rng, 32);
        self.access.insert(access_token.clone(), Access { user, expires: now + self.token_ttl });
        self.refresh.insert(refresh_token.clone(), user);
        TokenResponse {
            access_token,
            refresh_token,
            expires_in: self.token_ttl,
            expires: now + self.token_ttl,
            user_id: user,
            member_id: self.member_id.clone(),
            scope: ALL_SCOPES.join(","),
            status: "L".into(),
            domain: "oauth.bitrix.info".into(),
            client_endpoint: format!("{portal}/rest/"),
            server_endpoint: format!("{portal}/rest/"),
        }
    }

    /// A one-time authorization code, valid for 30 seconds (the browser step).
    pub fn authorization_code(&mut self, user: u32, now: i64) -> String {
        let code = token(&mut self.rng, 32);
        self.codes.insert(code.clone(), (user, now + 30));
        code
    }

    /// The `/oauth/token/` endpoint. Errors are `(HTTP status, error, description)`.
    pub fn grant(
        &mut self,
        params: &HashMap<String, String>,
        now: i64,
        portal: &str,
    ) -> Result<TokenResponse, (u16, &'static str, &'static str)> {
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
        if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            return Err((401, "invalid_client", "Invalid client credentials"));
        }
        match get("grant_type") {
            "refresh_token" => {
                let user = self.refresh.remove(get("refresh_token")).ok_or((400, "invalid_grant", "Invalid refresh token"))?;
                Ok(self.issue(user, now, portal))
            }
            "authorization_code" => match self.codes.remove(get("code")) {
                Some((user, expires)) if expires >= now => Ok(self.issue(user, now, portal)),
                _ => Err((400, "invalid_grant", "Invalid authorization code")),
            },
            _ => Err((400, "invalid_request", "Unsupported grant_type")),
        }
    }

    /// Make every access token expired now (for "token expiry mid-sync" tests).
    pub fn expire_all(&mut self, now: i64) {
        for a in self.access.values_mut() {
            a.expires = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_rotate() {
        let mut auth = Auth::new(1, 3600);
        let first = auth.issue(1, 1000, "http://x");
        let p = |r: &str, a: &Auth| {
            HashMap::from([
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("client_id".to_string(), a.client_id.clone()),
                ("client_secret".to_string(), a.client_secret.clone()),
                ("refresh_token".to_string(), r.to_string()),
            ])
        };
        let params = p(&first.refresh_token, &auth);
        let second = auth.grant(&params, 1001, "http://x").unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        // The used refresh token is gone.
        assert_eq!(auth.grant(&params, 1002, "http://x").unwrap_err().1, "invalid_grant");
        assert!(auth.access(&second.access_token, 1002).is_ok());
        assert_eq!(auth.access(&second.access_token, 1001 + 3600).unwrap_err().code, "expired_token");
        assert_eq!(auth.access("nope", 1002).unwrap_err().code, "invalid_token");
    }

    #[test]
    fn same_seed_same_webhook() {
        assert_eq!(Auth::new(5, 1).webhooks[0].code, Auth::new(5, 1).webhooks[0].code);
        assert_ne!(Auth::new(5, 1).webhooks[0].code, Auth::new(6, 1).webhooks[0].code);
    }
}
