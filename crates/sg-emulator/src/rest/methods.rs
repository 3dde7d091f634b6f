//! Every REST method the emulator serves, dispatched by lower-cased name.

use std::sync::atomic::Ordering;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::fields::{self, Entity, Field};
use super::filter::Grammar;
use super::list::{ListRequest, ListSpec, Naming, Page};
use super::params::{ParamExt, as_bool, as_int, as_string};
use super::value::{Family, money_string, render_time};
use crate::auth::Caller;
use crate::company::names::PRODUCTS;
use crate::company::{Company, DEAL, LEAD, Semantic};
use crate::events::{Binding, KNOWN_EVENTS};
use crate::portal::Portal;

/// A method's answer before the envelope is added.
#[derive(Debug)]
pub struct Output {
    pub result: Value,
    pub total: Option<usize>,
    pub next: Option<usize>,
}

impl Output {
    fn plain(result: Value) -> Self {
        Output { result, total: None, next: None }
    }
    fn page(page: Page, wrap: Option<&str>) -> Self {
        let rows = Value::Array(page.rows);
        let result = match wrap {
            Some(key) => json!({ key: rows }),
            None => rows,
        };
        Output { result, total: Some(page.total.unwrap_or(0)), next: page.next }
    }
}

/// The OAuth scope a method needs.
pub fn scope_of(method: &str) -> &'static str {
    let prefix = method.split('.').next().unwrap_or("");
    match prefix {
        "crm" => "crm",
        "user" if method != "user.current" => "user",
        "department" => "department",
        "voximplant" => "telephony",
        "tasks" | "task" => "task",
        "im" => "im",
        _ => "basic",
    }
}

pub fn exists(method: &str) -> bool {
    METHODS.contains(&method)
}

pub const METHODS: &[&str] = &[
    "batch",
    "server.time",
    "profile",
    "app.info",
    "scope",
    "methods",
    "user.current",
    "user.get",
    "department.get",
    "crm.deal.fields",
    "crm.deal.list",
    "crm.deal.get",
    "crm.lead.fields",
    "crm.lead.list",
    "crm.lead.get",
    "crm.item.list",
    "crm.item.get",
    "crm.item.fields",
    "crm.category.list",
    "crm.dealcategory.list",
    "crm.dealcategory.default.get",
    "crm.dealcategory.stage.list",
    "crm.status.list",
    "crm.status.entity.types",
    "crm.stagehistory.list",
    "crm.activity.list",
    "crm.activity.get",
    "crm.activity.fields",
    "crm.timeline.comment.list",
    "crm.deal.productrows.get",
    "crm.currency.list",
    "crm.currency.base.get",
    "voximplant.statistic.get",
    "tasks.task.list",
    "event.bind",
    "event.get",
    "event.unbind",
    "events",
    "event.offline.get",
    "event.offline.clear",
    "event.offline.list",
    "event.offline.error",
    "im.message.add",
    "im.notify.system.add",
    "im.notify",
    "im.v2.file.upload",
];

/// Run one method (not `batch`, which the caller expands).
pub fn call(p: &Portal, caller: &Caller, method: &str, params: &Map<String, Value>, in_batch: bool) -> Result<Output, ApiError> {
    match method {
        "server.time" => Ok(Output::plain(json!(render_time(company(p).tz, p.clock.now_secs())))),
        "profile" => profile(p, caller),
        "app.info" => app_info(p, caller),
        "scope" => Ok(Output::plain(json!(
            caller.scopes.clone().unwrap_or_else(|| crate::auth::ALL_SCOPES.iter().map(|s| s.to_string()).collect())
        ))),
        "methods" => Ok(Output::plain(json!(METHODS))),
        "user.current" => {
            let c = company(p);
            let user = c.users.iter().find(|u| u.id == caller.user).ok_or_else(ApiError::no_auth)?;
            let spec = user_spec(&c);
            Ok(Output::plain(spec.render(user, &spec.select(None), &c)))
        }
        "user.get" => user_get(p, params),
        "department.get" => department_get(p, params),
        "crm.deal.fields" => Ok(Output::plain(legacy_fields(Deal::fields()))),
        "crm.lead.fields" => Ok(Output::plain(legacy_fields(Lead::fields()))),
        "crm.activity.fields" => Ok(Output::plain(legacy_fields(Activity::fields()))),
        "crm.deal.list" => {
            let c = company(p);
            let mut out = Output::page(legacy_spec(&c.deals).run(&ListRequest::from_params(params), &c)?, None);
            p.corrupt(&mut out.result);
            Ok(out)
        }
        "crm.lead.list" => {
            let c = company(p);
            Ok(Output::page(legacy_spec(&c.leads).run(&ListRequest::from_params(params), &c)?, None))
        }
        "crm.deal.get" => {
            let c = company(p);
            let id = legacy_id(params)?;
            let deal = c.deal(id).ok_or_else(|| ApiError::legacy("Not found"))?;
            let spec = legacy_spec(&c.deals);
            Ok(Output::plain(spec.render(deal, &spec.select(None), &c)))
        }
        "crm.lead.get" => {
            let c = company(p);
            let id = legacy_id(params)?;
            let lead = c.lead(id).ok_or_else(|| ApiError::legacy("Not found"))?;
            let spec = legacy_spec(&c.leads);
            Ok(Output::plain(spec.render(lead, &spec.select(None), &c)))
        }
        "crm.item.list" => item_list(p, params),
        "crm.item.get" => item_get(p, params),
        "crm.item.fields" => item_fields(params),
        "crm.category.list" => category_list(p, params),
        "crm.dealcategory.list" => {
            let c = company(p);
            let rows: Vec<Value> = c
                .funnels
                .iter()
                .filter(|f| f.id != 0)
                .map(|f| {
                    json!({"ID": f.id.to_string(), "CREATED_DATE": render_time(c.tz, c.generated_at - i64::from(f.created_days_ago) * 86_400),
                           "NAME": f.name, "IS_LOCKED": "N", "SORT": f.sort.to_string()})
                })
                .collect();
            let n = rows.len();
            Ok(Output { result: json!(rows), total: Some(n), next: None })
        }
        "crm.dealcategory.default.get" => {
            let c = company(p);
            let f = &c.funnels[0];
            Ok(Output::plain(json!({"ID": 0, "NAME": f.name, "SORT": f.sort})))
        }
        "crm.dealcategory.stage.list" => {
            let c = company(p);
            let id = params.int_param("id").unwrap_or(0) as u32;
            let rows: Vec<Value> = c
                .stages
                .iter()
                .filter(|s| s.category == Some(id))
                .map(|s| json!({"NAME": s.name, "SORT": s.sort.to_string(), "STATUS_ID": s.status_id}))
                .collect();
            Ok(Output::plain(json!(rows)))
        }
        "crm.status.list" => status_list(p, params),
        "crm.status.entity.types" => Ok(Output::plain(status_entity_types(&company(p)))),
        "crm.stagehistory.list" => stage_history(p, params),
        "crm.activity.list" => {
            let c = company(p);
            let spec = ListSpec {
                rows: &c.activities,
                fields: Activity::fields(),
                input: Naming::Upper,
                output: Naming::Upper,
                family: Family::Legacy,
                grammar: Grammar::Full,
                strict: false,
                default_order: ("START_TIME", true),
                default_custom: false,
            };
            Ok(Output::page(spec.run(&ListRequest::from_params(params), &c)?, None))
        }
        "crm.activity.get" => {
            let c = company(p);
            let id = legacy_id(params)?;
            let a = c.activity(id).ok_or_else(|| ApiError::legacy("Not found"))?;
            let spec = ListSpec {
                rows: &c.activities,
                fields: Activity::fields(),
                input: Naming::Upper,
                output: Naming::Upper,
                family: Family::Legacy,
                grammar: Grammar::Full,
                strict: false,
                default_order: ("ID", true),
                default_custom: false,
            };
            let all: Vec<usize> = (0..Activity::fields().len()).collect();
            Ok(Output::plain(spec.render(a, &all, &c)))
        }
        "crm.timeline.comment.list" => comment_list(p, params),
        "crm.deal.productrows.get" => product_rows(p, params),
        "crm.currency.list" => {
            let c = company(p);
            let rows: Vec<Value> = c
                .currencies
                .iter()
                .map(|x| {
                    json!({"CURRENCY": x.code, "AMOUNT_CNT": x.amount_cnt.to_string(), "AMOUNT": format!("{}.{:04}", x.amount / 10_000, x.amount % 10_000),
                           "SORT": x.sort.to_string(), "BASE": if x.base { "Y" } else { "N" }, "FULL_NAME": x.name, "LID": "ru",
                           "FORMAT_STRING": x.format, "DEC_POINT": ",", "THOUSANDS_SEP": "&nbsp;", "DECIMALS": "2",
                           "DATE_UPDATE": render_time(c.tz, c.generated_at - 86_400 * 30)})
                })
                .collect();
            Ok(Output { result: json!(rows), total: Some(0), next: None })
        }
        "crm.currency.base.get" => Ok(Output::plain(json!(company(p).base_currency().code))),
        "voximplant.statistic.get" => {
            let c = company(p);
            let spec = ListSpec {
                rows: &c.calls,
                fields: Call::fields(),
                input: Naming::Upper,
                output: Naming::Upper,
                family: Family::Legacy,
                grammar: Grammar::Telephony,
                strict: false,
                default_order: ("ID", true),
                default_custom: false,
            };
            let order = params.str_param("sort").map(|s| {
                let dir = params.str_param("order").unwrap_or_else(|| "ASC".into());
                json!({ s: dir })
            });
            let req = ListRequest { filter: params.get("filter"), select: None, order: order.as_ref(), start: params.get("start") };
            Ok(Output::page(spec.run(&req, &c)?, None))
        }
        "tasks.task.list" => task_list(p, params),
        "event.bind" => event_bind(p, caller, params),
        "event.get" => {
            require_app(caller)?;
            let hub = p.hub.lock().expect("hub lock");
            let rows: Vec<Value> = hub
                .bindings
                .iter()
                .filter(|b| !b.outgoing_webhook)
                .map(|b| json!({"event": b.event, "handler": b.handler.clone().unwrap_or_default(), "auth_type": b.auth_type.to_string(), "offline": i32::from(b.offline)}))
                .collect();
            Ok(Output::plain(json!(rows)))
        }
        "event.unbind" => {
            require_app(caller)?;
            let event = params.str_param("event").ok_or_else(|| ApiError::argument("Event name not specified"))?;
            let offline = params.str_param("event_type").is_some_and(|t| t.eq_ignore_ascii_case("offline"));
            let handler = params.str_param("handler");
            let count = p.hub.lock().expect("hub lock").unbind(&event, handler.as_deref(), offline);
            Ok(Output::plain(json!({"count": count})))
        }
        "events" => Ok(Output::plain(json!(KNOWN_EVENTS))),
        "event.offline.get" => {
            require_offline_admin(p, caller)?;
            let limit = params.int_param("limit").unwrap_or(50).clamp(1, 1000) as usize;
            let clear = params.get("clear").map(as_bool).unwrap_or(true);
            let tz = company(p).tz;
            let got = p.hub.lock().expect("hub lock").offline_get(limit, clear, &|t| render_time(tz, t));
            Ok(Output::plain(got))
        }
        "event.offline.clear" => {
            require_offline_admin(p, caller)?;
            let process = params.str_param("process_id").ok_or_else(|| ApiError::argument("process_id is required"))?;
            let ids = message_ids(params);
            p.hub.lock().expect("hub lock").offline_clear(&process, ids.as_deref());
            Ok(Output::plain(json!(true)))
        }
        "event.offline.error" => {
            require_offline_admin(p, caller)?;
            let process = params.str_param("process_id").ok_or_else(|| ApiError::argument("process_id is required"))?;
            let ids = message_ids(params).unwrap_or_default();
            p.hub.lock().expect("hub lock").offline_error(&process, &ids);
            Ok(Output::plain(json!(true)))
        }
        "event.offline.list" => {
            require_offline_admin(p, caller)?;
            let tz = company(p).tz;
            let hub = p.hub.lock().expect("hub lock");
            let rows: Vec<Value> = hub.offline.iter().map(|e| crate::events::render_offline(e, &|t| render_time(tz, t))).collect();
            let n = rows.len();
            Ok(Output { result: json!(rows), total: Some(n), next: None })
        }
        "im.message.add" => {
            let dialog = params.str_param("dialog_id").ok_or_else(|| ApiError::new(400, "USER_ID_EMPTY", "Dialog ID can't be empty"))?;
            let message = params.str_param("message").unwrap_or_default();
            let attach = params.get("attach").cloned();
            if message.trim().is_empty() && attach.is_none() {
                return Err(ApiError::new(400, "MESSAGE_EMPTY", "Message can't be empty"));
            }
            if attach.as_ref().is_some_and(|a| a.to_string().len() > 60_000) {
                return Err(ApiError::new(400, "ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attachments"));
            }
            let id = record(
                p,
                json!({"method": "im.message.add", "DIALOG_ID": dialog, "MESSAGE": message, "ATTACH": attach, "user": caller.user}),
            );
            Ok(Output::plain(json!(id)))
        }
        "im.notify.system.add" | "im.notify" => {
            let user =
                params.int_param("user_id").ok_or_else(|| ApiError::new(400, "USER_ID_EMPTY", "Recipient user ID can't be empty"))?;
            if company(p).user(user as u32).is_none() {
                return Err(ApiError::new(400, "USER_NOT_FOUND", "User not found"));
            }
            let message = params.str_param("message").unwrap_or_default();
            if message.trim().is_empty() {
                return Err(ApiError::new(400, "MESSAGE_EMPTY", "Message can't be empty"));
            }
            let id = record(
                p,
                json!({"method": method, "USER_ID": user, "MESSAGE": message, "TAG": params.str_param("tag"), "user": caller.user}),
            );
            Ok(Output::plain(json!(id)))
        }
        "im.v2.file.upload" => file_upload(p, caller, params, in_batch),
        _ => Err(ApiError::method_not_found()),
    }
}

fn company(p: &Portal) -> std::sync::RwLockReadGuard<'_, Company> {
    p.company.read().expect("company lock")
}

fn record(p: &Portal, entry: Value) -> usize {
    let mut messages = p.messages.lock().expect("messages lock");
    messages.push(entry);
    30_000 + messages.len()
}

fn require_app(caller: &Caller) -> Result<(), ApiError> {
    if caller.app { Ok(()) } else { Err(ApiError::new(403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")) }
}

fn require_offline_admin(p: &Portal, caller: &Caller) -> Result<(), ApiError> {
    require_app(caller)?;
    if company(p).user(caller.user).is_some_and(|u| u.admin) {
        Ok(())
    } else {
        Err(ApiError::new(403, "ACCESS_DENIED", "Access denied! Admin permissions required"))
    }
}

fn message_ids(params: &Map<String, Value>) -> Option<Vec<u64>> {
    params.get("message_id").map(|v| match v {
        Value::Array(items) => items.iter().filter_map(as_int).map(|n| n as u64).collect(),
        Value::Object(m) => m.values().filter_map(as_int).map(|n| n as u64).collect(),
        other => as_int(other).map(|n| vec![n as u64]).unwrap_or_default(),
    })
}

fn legacy_id(params: &Map<String, Value>) -> Result<u32, ApiError> {
    params.int_param("id").filter(|&n| n > 0).map(|n| n as u32).ok_or_else(|| ApiError::legacy("ID is not defined or invalid."))
}

use crate::company::{Activity, Call, Comment, Deal, Lead, StageEvent, Task, User};

fn legacy_spec<T: Entity>(rows: &[T]) -> ListSpec<'_, T> {
    ListSpec {
        rows,
        fields: T::fields(),
        input: Naming::Upper,
        output: Naming::Upper,
        family: Family::Legacy,
        grammar: Grammar::Full,
        strict: false,
        default_order: ("ID", true),
        default_custom: true,
    }
}

fn item_spec<T: Entity>(rows: &[T]) -> ListSpec<'_, T> {
    ListSpec {
        rows,
        fields: T::fields(),
        input: Naming::Camel,
        output: Naming::Camel,
        family: Family::Typed,
        grammar: Grammar::Full,
        strict: true,
        default_order: ("id", true),
        default_custom: true,
    }
}

fn user_spec(c: &Company) -> ListSpec<'_, User> {
    ListSpec {
        rows: &c.users,
        fields: User::fields(),
        input: Naming::Upper,
        output: Naming::Upper,
        family: Family::Legacy,
        grammar: Grammar::Full,
        strict: false,
        default_order: ("ID", true),
        default_custom: false,
    }
}

fn descriptor<T>(f: &Field<T>) -> Map<String, Value> {
    let mut d = Map::new();
    d.insert("type".into(), json!(f.kind));
    d.insert("isRequired".into(), json!(f.upper == "TITLE"));
    d.insert("isReadOnly".into(), json!(f.read_only));
    d.insert("isImmutable".into(), json!(f.upper == "CATEGORY_ID"));
    d.insert("isMultiple".into(), json!(f.kind == "crm_multifield" || f.upper == "UF_CRM_TASK"));
    d.insert("isDynamic".into(), json!(f.custom));
    d.insert("title".into(), json!(if f.custom { f.upper } else { f.title }));
    if let Some(t) = f.status_type {
        d.insert("statusType".into(), json!(t));
    }
    if f.custom {
        d.insert("listLabel".into(), json!(f.title));
        d.insert("formLabel".into(), json!(f.title));
        d.insert("filterLabel".into(), json!(f.title));
        d.insert("settings".into(), json!([]));
        if f.kind == "enumeration" {
            d.insert("items".into(), fields::region_items());
        }
    }
    d
}

fn legacy_fields<T>(fields: &[Field<T>]) -> Value {
    Value::Object(fields.iter().map(|f| (f.upper.to_string(), Value::Object(descriptor(f)))).collect())
}

fn entity_type(params: &Map<String, Value>) -> Result<u8, ApiError> {
    match params.int_param("entitytypeid") {
        Some(1) => Ok(LEAD),
        Some(2) => Ok(DEAL),
        Some(_) => Err(ApiError::new(400, "NOT_FOUND", "Smart process not found")),
        None => Err(ApiError::argument("Required parameter 'entityTypeId' is not set")),
    }
}

fn item_list(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let ty = entity_type(params)?;
    let c = company(p);
    let req = ListRequest::from_params(params);
    let page = if ty == DEAL { item_spec(&c.deals).run(&req, &c)? } else { item_spec(&c.leads).run(&req, &c)? };
    Ok(Output::page(page, Some("items")))
}

fn item_get(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let ty = entity_type(params)?;
    let c = company(p);
    let id = params.int_param("id").unwrap_or(0) as u32;
    let not_found = || ApiError::new(400, "NOT_FOUND", "Element not found");
    let item = if ty == DEAL {
        let spec = item_spec(&c.deals);
        spec.render(c.deal(id).ok_or_else(not_found)?, &spec.select(None), &c)
    } else {
        let spec = item_spec(&c.leads);
        spec.render(c.lead(id).ok_or_else(not_found)?, &spec.select(None), &c)
    };
    Ok(Output::plain(json!({ "item": item })))
}

fn item_fields(params: &Map<String, Value>) -> Result<Output, ApiError> {
    fn build<T>(fields: &[Field<T>]) -> Value {
        Value::Object(
            fields
                .iter()
                .map(|f| {
                    let mut d = descriptor(f);
                    d.insert("upperName".into(), json!(f.upper));
                    (f.camel.to_string(), Value::Object(d))
                })
                .collect(),
        )
    }
    let fields = if entity_type(params)? == DEAL { build(Deal::fields()) } else { build(Lead::fields()) };
    Ok(Output::plain(json!({ "fields": fields })))
}

fn category_list(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    match params.int_param("entitytypeid") {
        Some(2) => {}
        Some(_) => return Err(ApiError::new(400, "NOT_FOUND", "Entity type does not support categories")),
        None => return Err(ApiError::argument("Required parameter 'entityTypeId' is not set")),
    }
    let mut funnels: Vec<_> = c.funnels.iter().collect();
    funnels.sort_by_key(|f| f.sort);
    let rows: Vec<Value> = funnels
        .iter()
        .map(|f| {
            if f.id == 0 {
                json!({"id": 0, "name": f.name, "sort": f.sort, "entityTypeId": 2, "isDefault": "Y"})
            } else {
                json!({"id": f.id, "name": f.name, "sort": f.sort, "entityTypeId": 2, "isDefault": "N", "originId": "", "originatorId": ""})
            }
        })
        .collect();
    let n = rows.len();
    Ok(Output { result: json!({ "categories": rows }), total: Some(n), next: None })
}

fn status_rows(c: &Company) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    let mut id = 0;
    let mut push = |entity: String,
                    status: &str,
                    name: &str,
                    sort: u32,
                    system: bool,
                    category: Value,
                    color: &str,
                    semantics: Value,
                    extra: Value| {
        id += 1;
        let mut m = Map::new();
        m.insert("ID".into(), json!(id.to_string()));
        m.insert("ENTITY_ID".into(), json!(entity));
        m.insert("STATUS_ID".into(), json!(status));
        m.insert("NAME".into(), json!(name));
        m.insert("NAME_INIT".into(), json!(if system { name } else { "" }));
        m.insert("SORT".into(), json!(sort.to_string()));
        m.insert("SYSTEM".into(), json!(if system { "Y" } else { "N" }));
        m.insert("CATEGORY_ID".into(), category);
        m.insert("COLOR".into(), json!(color));
        m.insert("SEMANTICS".into(), semantics);
        m.insert("EXTRA".into(), extra);
        rows.push(m);
    };
    for s in c.lead_statuses.iter().chain(&c.stages) {
        let semantics = match s.semantic {
            Semantic::Process => Value::Null,
            other => json!(other.code()),
        };
        let category = match s.category {
            None | Some(0) => Value::Null,
            Some(n) => json!(n.to_string()),
        };
        push(
            s.entity_id(),
            &s.status_id,
            s.name,
            s.sort,
            s.system,
            category,
            s.color,
            semantics,
            json!({"SEMANTICS": s.extra, "COLOR": s.color}),
        );
    }
    for (i, s) in c.sources.iter().enumerate() {
        push("SOURCE".into(), s.id, s.name, (i as u32 + 1) * 10, !s.id.starts_with("UC_"), Value::Null, "", Value::Null, json!([]));
    }
    for (i, (t, name)) in c.deal_types.iter().enumerate() {
        push("DEAL_TYPE".into(), t, name, (i as u32 + 1) * 10, true, Value::Null, "", Value::Null, json!([]));
    }
    rows
}

fn status_list(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let mut rows = status_rows(&c);
    if let Some(Value::Object(filter)) = params.get("filter") {
        for (k, v) in filter {
            let key = k.trim_start_matches('=');
            let want = as_string(v).unwrap_or_default();
            rows.retain(|r| r.get(key).and_then(as_string).unwrap_or_default() == want);
        }
    }
    let order = match params.get("order") {
        Some(Value::Object(o)) => o.iter().next().map(|(k, v)| (k.clone(), !as_string(v).is_some_and(|d| d.eq_ignore_ascii_case("DESC")))),
        _ => None,
    };
    if let Some((key, asc)) = order {
        rows.sort_by(|a, b| {
            let (x, y) = (a.get(&key).and_then(as_string).unwrap_or_default(), b.get(&key).and_then(as_string).unwrap_or_default());
            let o = match (x.parse::<i64>(), y.parse::<i64>()) {
                (Ok(a), Ok(b)) => a.cmp(&b),
                _ => x.cmp(&y),
            };
            if asc { o } else { o.reverse() }
        });
    }
    let n = rows.len();
    Ok(Output { result: Value::Array(rows.into_iter().map(Value::Object).collect()), total: Some(n), next: None })
}

fn status_entity_types(c: &Company) -> Value {
    let mut out = vec![
        json!({"ID": "STATUS", "NAME": "Статусы", "SEMANTIC_INFO": {"START_FIELD": "NEW", "FINAL_SUCCESS_FIELD": "CONVERTED", "FINAL_UNSUCCESS_FIELD": "JUNK", "FINAL_SORT": 40}, "ENTITY_TYPE_ID": 1}),
        json!({"ID": "SOURCE", "NAME": "Источники"}),
        json!({"ID": "CONTACT_TYPE", "NAME": "Тип контакта"}),
        json!({"ID": "COMPANY_TYPE", "NAME": "Тип компании"}),
        json!({"ID": "EMPLOYEES", "NAME": "Кол-во сотрудников"}),
        json!({"ID": "INDUSTRY", "NAME": "Сфера деятельности"}),
        json!({"ID": "DEAL_TYPE", "NAME": "Тип сделки"}),
    ];
    for f in &c.funnels {
        let prefix = if f.id == 0 { String::new() } else { format!("C{}:", f.id) };
        let stages: Vec<_> = c.stages.iter().filter(|s| s.category == Some(f.id)).collect();
        let success = stages.iter().find(|s| s.semantic == Semantic::Success).map(|s| s.sort).unwrap_or(0);
        let mut v = json!({
            "ID": if f.id == 0 { "DEAL_STAGE".to_string() } else { format!("DEAL_STAGE_{}", f.id) },
            "NAME": format!("Стадии сделки ({})", f.name),
            "SEMANTIC_INFO": {"START_FIELD": format!("{prefix}NEW"), "FINAL_SUCCESS_FIELD": format!("{prefix}WON"),
                              "FINAL_UNSUCCESS_FIELD": format!("{prefix}LOSE"), "FINAL_SORT": success},
            "ENTITY_TYPE_ID": 2,
            "IS_ENABLED": true,
            "CATEGORY_NAME": f.name,
            "CATEGORY_SORT": f.sort,
            "IS_DEFAULT_CATEGORY": f.id == 0,
        });
        if f.id != 0 {
            v["PREFIX"] = json!(format!("C{}", f.id));
            v["PARENT_ID"] = json!("DEAL_STAGE");
            v["CATEGORY_ID"] = json!(f.id.to_string());
        } else {
            v["CATEGORY_ID"] = json!(0);
        }
        out.push(v);
    }
    json!(out)
}

fn stage_history(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let ty = entity_type(params)?;
    let c = company(p);
    let (rows, fields): (&[StageEvent], &[Field<StageEvent>]) =
        if ty == DEAL { (&c.deal_history, StageEvent::fields()) } else { (&c.lead_history, fields::lead_history_fields()) };
    let spec = ListSpec {
        rows,
        fields,
        input: Naming::Upper,
        output: Naming::Upper,
        family: Family::Typed,
        grammar: Grammar::Full,
        strict: false,
        default_order: ("ID", true),
        default_custom: false,
    };
    Ok(Output::page(spec.run(&ListRequest::from_params(params), &c)?, Some("items")))
}

fn comment_list(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let filter = params
        .get("filter")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::argument("Parameter 'filter' is required and must contain ENTITY_ID and ENTITY_TYPE"))?;
    let get = |k: &str| filter.iter().find(|(key, _)| key.trim_start_matches('=') == k).map(|(_, v)| v);
    let (Some(ids), Some(ty)) = (get("ENTITY_ID"), get("ENTITY_TYPE")) else {
        return Err(ApiError::argument("Parameter 'filter' must contain ENTITY_ID and ENTITY_TYPE"));
    };
    let ty = match as_string(ty).unwrap_or_default().to_ascii_lowercase().as_str() {
        "deal" => DEAL,
        "lead" => LEAD,
        other => return Err(ApiError::argument(&format!("Entity type '{other}' is not supported"))),
    };
    let ids: Vec<u32> = match ids {
        Value::Array(items) => items.iter().filter_map(as_int).map(|n| n as u32).collect(),
        other => as_int(other).map(|n| vec![n as u32]).unwrap_or_default(),
    };
    let mut idx: Vec<u32> = ids.iter().flat_map(|id| c.comments_by_entity.get(&(ty, *id)).cloned().unwrap_or_default()).collect();
    idx.sort_unstable();
    let rows: Vec<Comment> = idx.iter().map(|&i| c.comments[i as usize].clone()).collect();
    let mut rest = filter.clone();
    rest.retain(|k, _| !matches!(k.trim_start_matches('='), "ENTITY_ID" | "ENTITY_TYPE"));
    let rest = Value::Object(rest);
    let order = params.get("order").and_then(Value::as_object).map(|o| {
        Value::Object(
            o.iter().filter(|(k, _)| matches!(k.as_str(), "ID" | "CREATED" | "AUTHOR_ID")).map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    });
    let spec = ListSpec {
        rows: &rows,
        fields: Comment::fields(),
        input: Naming::Upper,
        output: Naming::Upper,
        family: Family::Legacy,
        grammar: Grammar::Full,
        strict: false,
        default_order: ("ID", true),
        default_custom: false,
    };
    let req = ListRequest { filter: Some(&rest), select: params.get("select"), order: order.as_ref(), start: params.get("start") };
    Ok(Output::page(spec.run(&req, &c)?, None))
}

fn product_rows(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let id = legacy_id(params)?;
    let deal = c.deal(id).ok_or_else(|| ApiError::legacy("Not found"))?;
    let cur = &c.currencies[deal.currency as usize];
    let to_base = |v: i64| (i128::from(v) * i128::from(cur.amount) / (i128::from(cur.amount_cnt) * 10_000)) as i64;
    let (main, main_base) = PRODUCTS[(deal.id as usize) % 5];
    let qty = (deal.opportunity / 100 / main_base.max(1)).clamp(1, 40);
    let main_total = deal.opportunity * 85 / 100;
    let unit = main_total / qty;
    let service_total = deal.opportunity - unit * qty;
    let row = |n: u32, name: &str, price: i64, quantity: i64, sort: u32| {
        json!({
            "ID": (deal.id * 10 + n).to_string(), "OWNER_ID": deal.id.to_string(), "OWNER_TYPE": "D", "PRODUCT_ID": 400 + n + (deal.id % 5),
            "PRODUCT_NAME": name, "ORIGINAL_PRODUCT_NAME": name, "PRODUCT_DESCRIPTION": null,
            "PRICE": price as f64 / 100.0, "PRICE_EXCLUSIVE": price as f64 / 100.0, "PRICE_NETTO": price as f64 / 100.0, "PRICE_BRUTTO": price as f64 / 100.0,
            "PRICE_ACCOUNT": money_string(to_base(price)), "QUANTITY": quantity, "DISCOUNT_TYPE_ID": 2, "DISCOUNT_RATE": 0, "DISCOUNT_SUM": 0,
            "TAX_RATE": null, "TAX_INCLUDED": "Y", "CUSTOMIZED": "Y", "MEASURE_CODE": 796, "MEASURE_NAME": "шт", "SORT": sort,
            "XML_ID": format!("sale_basket_{}", deal.id * 10 + n), "TYPE": 1, "STORE_ID": 0
        })
    };
    let mut rows = vec![row(1, main, unit, qty, 10)];
    if service_total > 0 {
        rows.push(row(2, "Монтаж и пусконаладка", service_total, 1, 20));
    }
    Ok(Output::plain(json!(rows)))
}

fn user_get(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let spec = user_spec(&c);
    let sort = params.str_param("sort");
    let order = match (sort, params.get("order")) {
        (Some(_), Some(Value::Object(_))) => return Err(ApiError::argument("Order must be a string")),
        (Some(field), dir) => Some(json!({ field.to_ascii_uppercase(): dir.and_then(as_string).unwrap_or_else(|| "ASC".into()) })),
        (None, Some(Value::Object(o))) => Some(Value::Object(o.clone())),
        (None, _) => None,
    };
    let mut filter = params.get("filter").and_then(Value::as_object).cloned().unwrap_or_default();
    // Filter fields may also stand at the top level.
    for (k, v) in params {
        let upper = k.to_ascii_uppercase();
        if spec.resolve(upper.trim_start_matches(['!', '>', '<', '=', '@', '%'])).is_some()
            && !["sort", "order", "start", "filter", "select"].contains(&k.as_str())
        {
            filter.insert(upper, v.clone());
        }
    }
    if !params.get("admin_mode").map(as_bool).unwrap_or(false) {
        filter.retain(|k, _| k != "ADMIN_MODE");
    }
    // `ACTIVE: true` means only non-fired users; ACTIVE is a JSON bool on the wire.
    let active = filter.remove("ACTIVE").map(|v| as_bool(&v));
    let filter = Value::Object(filter);
    let rows: Vec<User> = c.users.iter().filter(|u| active.is_none_or(|a| u.active() == a)).cloned().collect();
    let spec = ListSpec { rows: &rows, ..user_spec(&c) };
    let req = ListRequest { filter: Some(&filter), select: params.get("select"), order: order.as_ref(), start: params.get("start") };
    Ok(Output::page(spec.run(&req, &c)?, None))
}

fn department_get(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let mut rows: Vec<&crate::company::Department> = c.departments.iter().collect();
    let flat = |k: &str| params.get(k).and_then(as_string);
    if let Some(id) = flat("id") {
        rows.retain(|d| d.id.to_string() == id);
    }
    if let Some(name) = flat("name") {
        rows.retain(|d| d.name == name);
    }
    if let Some(parent) = flat("parent") {
        rows.retain(|d| d.parent.map(|x| x.to_string()) == Some(parent.clone()));
    }
    if let Some(head) = flat("uf_head") {
        rows.retain(|d| d.head.map(|x| x.to_string()) == Some(head.clone()));
    }
    // `SORT` and `sort` fold together: a number filters, a field name orders.
    match flat("sort") {
        Some(s) if s.parse::<u32>().is_ok() => rows.retain(|d| d.sort.to_string() == s),
        Some(field) => {
            let desc = flat("order").is_some_and(|o| o.eq_ignore_ascii_case("DESC"));
            match field.to_ascii_uppercase().as_str() {
                "NAME" => rows.sort_by(|a, b| a.name.cmp(b.name)),
                "SORT" => rows.sort_by_key(|d| d.sort),
                _ => rows.sort_by_key(|d| d.id),
            }
            if desc {
                rows.reverse();
            }
        }
        None => {}
    }
    let total = rows.len();
    let start = flat("start").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let page: Vec<Value> = rows
        .iter()
        .skip(start)
        .take(50)
        .map(|d| {
            let mut m = Map::new();
            m.insert("ID".into(), json!(d.id.to_string()));
            m.insert("NAME".into(), json!(d.name));
            m.insert("SORT".into(), json!(d.sort));
            if let Some(parent) = d.parent {
                m.insert("PARENT".into(), json!(parent.to_string()));
            }
            if let Some(head) = d.head {
                m.insert("UF_HEAD".into(), json!(head.to_string()));
            }
            Value::Object(m)
        })
        .collect();
    let next = (start + 50 < total).then_some(start + 50);
    Ok(Output { result: json!(page), total: Some(total), next })
}

fn task_list(p: &Portal, params: &Map<String, Value>) -> Result<Output, ApiError> {
    let c = company(p);
    let spec = ListSpec {
        rows: &c.tasks,
        fields: Task::fields(),
        input: Naming::Upper,
        output: Naming::Camel,
        family: Family::Legacy,
        grammar: Grammar::Tasks,
        strict: false,
        default_order: ("ID", false),
        default_custom: false,
    };
    // Order keys are case-insensitive here (`{"ID":"asc"}`, `{"id":"asc"}`).
    let order = params
        .get("order")
        .and_then(Value::as_object)
        .map(|o| Value::Object(o.iter().map(|(k, v)| (k.to_ascii_uppercase(), v.clone())).collect()));
    let req = ListRequest { filter: params.get("filter"), select: params.get("select"), order: order.as_ref(), start: params.get("start") };
    let mut page = spec.run(&req, &c)?;
    for row in &mut page.rows {
        let Some(obj) = row.as_object_mut() else { continue };
        if let Some(uid) = obj.get("responsibleId").and_then(as_int) {
            let name = c.user(uid as u32).map(|u| u.full_name()).unwrap_or_default();
            obj.insert("responsible".into(), json!({"id": uid.to_string(), "name": name, "link": format!("/company/personal/user/{uid}/"), "icon": "/bitrix/images/tasks/default_avatar.png", "workPosition": null}));
        }
        obj.insert("auditors".into(), json!([]));
        obj.insert("accomplices".into(), json!([]));
        obj.insert("auditorsData".into(), json!([]));
    }
    Ok(Output::page(page, Some("tasks")))
}

fn event_bind(p: &Portal, caller: &Caller, params: &Map<String, Value>) -> Result<Output, ApiError> {
    require_app(caller)?;
    let event = params.str_param("event").ok_or_else(|| ApiError::argument("Event name not specified"))?;
    let offline = params.str_param("event_type").is_some_and(|t| t.eq_ignore_ascii_case("offline"));
    let handler = params.str_param("handler").filter(|h| !h.is_empty());
    if offline {
        require_offline_admin(p, caller)?;
    } else if handler.is_none() {
        return Err(ApiError::argument("Handler not found"));
    }
    let auth_type = params.int_param("auth_type").unwrap_or(0) as u32;
    if auth_type != 0 && auth_type != caller.user && !company(p).user(caller.user).is_some_and(|u| u.admin) {
        return Err(ApiError::new(403, "ACCESS_DENIED", "Access denied"));
    }
    let application_token = p.auth.lock().expect("auth lock").application_token.clone();
    let binding = Binding { id: 0, event, handler, offline, auth_type, application_token, outgoing_webhook: false };
    p.hub.lock().expect("hub lock").bind(binding).map_err(|code| ApiError::new(400, code, "Event not found"))?;
    Ok(Output::plain(json!(true)))
}

fn profile(p: &Portal, caller: &Caller) -> Result<Output, ApiError> {
    let c = company(p);
    let u = c.user(caller.user).ok_or_else(ApiError::no_auth)?;
    Ok(Output::plain(
        json!({"ID": u.id.to_string(), "ADMIN": u.admin, "NAME": u.name, "LAST_NAME": u.last_name, "PERSONAL_GENDER": "", "PERSONAL_PHOTO": "", "TIME_ZONE": "", "TIME_ZONE_OFFSET": 0}),
    ))
}

fn app_info(p: &Portal, caller: &Caller) -> Result<Output, ApiError> {
    let auth = p.auth.lock().expect("auth lock");
    let mut info = json!({"ID": "17", "CODE": auth.client_id, "VERSION": 1, "STATUS": "L", "INSTALLED": true, "PAYMENT_EXPIRED": "N", "DAYS": null,
                          "LANGUAGE_ID": "ru", "LICENSE": "ru_project", "LICENSE_TYPE": "project", "LICENSE_FAMILY": "project"});
    if !caller.app {
        info["SCOPE"] = json!(caller.scopes.clone().unwrap_or_else(|| crate::auth::ALL_SCOPES.iter().map(|s| s.to_string()).collect()));
    }
    Ok(Output::plain(info))
}

fn file_upload(p: &Portal, caller: &Caller, params: &Map<String, Value>, in_batch: bool) -> Result<Output, ApiError> {
    if in_batch {
        return Err(ApiError::new(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"));
    }
    let dialog = params.str_param("dialogid").ok_or_else(|| ApiError::argument("dialogId is required"))?;
    let fields = params.get("fields").and_then(Value::as_object).ok_or_else(|| ApiError::argument("fields is required"))?;
    let name = fields.get("name").and_then(as_string).ok_or_else(|| ApiError::argument("fields.name is required"))?;
    let content = fields.get("content").and_then(as_string).ok_or_else(|| ApiError::argument("fields.content is required"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|_| ApiError::argument("fields.content is not valid base64"))?;
    if bytes.len() > 100 * 1024 * 1024 {
        return Err(ApiError::argument("File is too large"));
    }
    let is_png = bytes.starts_with(b"\x89PNG");
    let message_id = record(
        p,
        json!({"method": "im.v2.File.upload", "dialogId": dialog, "name": name, "size": bytes.len(), "png": is_png,
               "message": fields.get("message").cloned(), "content": content, "user": caller.user}),
    );
    let file_id = 9_000 + message_id;
    let chat_id: u64 = dialog.trim_start_matches("chat").parse().unwrap_or(1);
    Ok(Output::plain(json!({
        "file": {"id": file_id, "chatId": chat_id, "type": if is_png { "image" } else { "file" }, "name": name, "size": bytes.len(),
                 "urlShow": format!("{}/disk/showFile/{file_id}/", p.base_url), "urlDownload": format!("{}/disk/downloadFile/{file_id}/", p.base_url)},
        "messageId": message_id, "chatId": chat_id, "dialogId": format!("chat{chat_id}")
    })))
}

/// Whether the overload switch is on.
pub fn overloaded(p: &Portal) -> bool {
    p.overload.load(Ordering::Relaxed)
}
