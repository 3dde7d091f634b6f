//! `--dump DIR`: the portal's visible state as JSON lines, in a plain typed form that does not
//! depend on the REST rendering, so tests can compute expected numbers independently.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::company::generate::local_date;
use crate::company::*;
use crate::rest::fields::{REGIONS, activity_subject};
use crate::rest::value::money_string;

fn utc(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

fn opt_utc(ts: Option<i64>) -> Value {
    ts.map(|t| json!(utc(t))).unwrap_or(Value::Null)
}

fn nz(id: u32) -> Value {
    if id == 0 { Value::Null } else { json!(id) }
}

fn utm(c: &Company, idx: u16) -> (Value, Value, Value, Value, Value) {
    let u = &c.utms[idx as usize];
    let s = |x: &str| if x.is_empty() { Value::Null } else { json!(x) };
    let o = |x: Option<&str>| x.map(s).unwrap_or(Value::Null);
    (s(u.source), s(u.medium), s(u.campaign), o(u.content), o(u.term))
}

fn write_lines(dir: &Path, name: &str, rows: impl Iterator<Item = Value>) -> anyhow::Result<usize> {
    let tmp = dir.join(format!("{name}.jsonl.tmp"));
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut n = 0;
    for row in rows {
        serde_json::to_writer(&mut w, &row)?;
        w.write_all(b"\n")?;
        n += 1;
    }
    w.flush()?;
    drop(w);
    fs::rename(&tmp, dir.join(format!("{name}.jsonl")))?;
    Ok(n)
}

/// Write every entity as `DIR/<entity>.jsonl` plus `DIR/meta.json`.
pub fn write(c: &Company, dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating dump directory {}", dir.display()))?;
    let tz = c.tz;
    let mut counts = serde_json::Map::new();
    let mut count = |name: &str, n: usize| {
        counts.insert(name.to_string(), json!(n));
    };

    count(
        "users",
        write_lines(
            dir,
            "users",
            c.users.iter().map(|u| {
                json!({
                    "id": u.id, "name": u.name, "last_name": u.last_name, "second_name": u.second_name, "position": u.position,
                    "active": u.active(), "admin": u.admin, "departments": u.departments, "email": u.email,
                    "seller": u.seller.is_some(), "burnout": u.burnout,
                })
            }),
        )?,
    );
    count(
        "departments",
        write_lines(
            dir,
            "departments",
            c.departments.iter().map(|d| {
                json!({
                    "id": d.id, "name": d.name, "sort": d.sort, "parent_id": d.parent, "head_id": d.head,
                })
            }),
        )?,
    );
    count("funnels", write_lines(dir, "funnels", c.funnels.iter().map(|f| json!({"id": f.id, "name": f.name, "sort": f.sort})))?);
    count(
        "deal_stages",
        write_lines(
            dir,
            "deal_stages",
            c.stages.iter().map(|s| {
                json!({
                    "status_id": s.status_id, "name": s.name, "sort": s.sort, "semantic": s.semantic.code(), "funnel_id": s.category,
                })
            }),
        )?,
    );
    count(
        "lead_statuses",
        write_lines(
            dir,
            "lead_statuses",
            c.lead_statuses.iter().map(|s| {
                json!({
                    "status_id": s.status_id, "name": s.name, "sort": s.sort, "semantic": s.semantic.code(),
                })
            }),
        )?,
    );
    count("sources", write_lines(dir, "sources", c.sources.iter().map(|s| json!({"id": s.id, "name": s.name})))?);
    count("deal_types", write_lines(dir, "deal_types", c.deal_types.iter().map(|(id, name)| json!({"id": id, "name": name})))?);
    count("currencies", write_lines(dir, "currencies", c.currencies.iter().map(|x| json!({
        "code": x.code, "amount_cnt": x.amount_cnt, "amount": format!("{}.{:04}", x.amount / 10_000, x.amount % 10_000), "base": x.base,
    })))?);
    count(
        "leads",
        write_lines(
            dir,
            "leads",
            c.leads.iter().filter(|l| !l.deleted).map(|l| {
                let (us, um, uc, uco, ut) = utm(c, l.utm);
                let st = &c.lead_statuses[l.status as usize];
                json!({
                    "id": l.id, "status_id": st.status_id, "status_semantic": st.semantic.code(),
                    "source_id": l.source.map(|s| c.sources[s as usize].id), "assigned_by_id": l.assigned_by,
                    "created_at": utc(l.created), "modified_at": utc(l.modified), "moved_at": utc(l.moved), "closed_at": opt_utc(l.closed),
                    "last_activity_at": opt_utc(l.last_activity.map(|x| x.0)), "opportunity": money_string(l.opportunity),
                    "company_id": nz(l.company_id), "is_return_customer": l.is_return,
                    "utm_source": us, "utm_medium": um, "utm_campaign": uc, "utm_content": uco, "utm_term": ut,
                })
            }),
        )?,
    );
    count(
        "deals",
        write_lines(
            dir,
            "deals",
            c.deals.iter().filter(|d| !d.deleted).map(|d| {
                let (us, um, uc, uco, ut) = utm(c, d.utm);
                let st = &c.stages[d.stage as usize];
                json!({
                    "id": d.id, "category_id": d.category, "stage_id": st.status_id, "stage_semantic": st.semantic.code(),
                    "type_id": c.deal_types[d.type_idx as usize].0, "source_id": d.source.map(|s| c.sources[s as usize].id),
                    "currency_id": c.currencies[d.currency as usize].code, "opportunity": money_string(d.opportunity),
                    "assigned_by_id": d.assigned_by, "created_by_id": d.created_by,
                    "created_at": utc(d.created), "modified_at": utc(d.modified), "moved_at": utc(d.moved),
                    "begindate": local_date(tz, d.begindate).to_string(), "closedate": local_date(tz, d.closedate).to_string(),
                    "closed": st.semantic != Semantic::Process,
                    "last_activity_at": opt_utc(d.last_activity.map(|x| x.0)), "last_activity_by": d.last_activity.map(|x| x.1),
                    "lead_id": nz(d.lead_id), "company_id": nz(d.company_id), "is_return_customer": d.is_return,
                    "is_repeated_approach": d.repeated_approach, "probability": d.probability,
                    "utm_source": us, "utm_medium": um, "utm_campaign": uc, "utm_content": uco, "utm_term": ut,
                    "uf_region": REGIONS[(d.region as usize - 1) % REGIONS.len()],
                    "uf_tender_no": d.tender_no.map(|n| format!("0373200{n:07}")),
                })
            }),
        )?,
    );
    count(
        "deal_stage_history",
        write_lines(
            dir,
            "deal_stage_history",
            c.deal_history.iter().map(|h| {
                let st = &c.stages[h.stage as usize];
                json!({"id": h.id, "type_id": h.type_id, "owner_id": h.owner_id, "created_at": utc(h.time), "stage_id": st.status_id,
               "stage_semantic": st.semantic.code(), "funnel_id": st.category})
            }),
        )?,
    );
    count(
        "lead_stage_history",
        write_lines(
            dir,
            "lead_stage_history",
            c.lead_history.iter().map(|h| {
                let st = &c.lead_statuses[h.stage as usize];
                json!({"id": h.id, "type_id": h.type_id, "owner_id": h.owner_id, "created_at": utc(h.time), "status_id": st.status_id,
               "status_semantic": st.semantic.code()})
            }),
        )?,
    );
    count("activities", write_lines(dir, "activities", c.activities.iter().filter(|a| !a.deleted).map(|a| json!({
        "id": a.id, "owner_type_id": a.owner_type, "owner_id": a.owner_id, "type_id": a.kind.type_id(), "provider_id": a.kind.provider().0,
        "direction": a.direction, "subject": activity_subject(a), "created_at": utc(a.created), "last_updated_at": utc(a.last_updated),
        "start_at": utc(a.start), "end_at": utc(a.end), "completed": a.completed, "responsible_id": a.responsible,
        "company_id": nz(a.company_id),
    })))?);
    count(
        "calls",
        write_lines(
            dir,
            "calls",
            c.calls.iter().map(|x| {
                json!({
                    "id": x.id, "activity_id": x.activity_id, "user_id": x.user, "call_type": x.call_type, "duration": x.duration,
                    "start_at": utc(x.start), "failed_code": x.failed_code.to_string(),
                    "crm_entity_type": if x.crm_entity_type == LEAD { "LEAD" } else { "COMPANY" }, "crm_entity_id": nz(x.crm_entity_id),
                })
            }),
        )?,
    );
    count(
        "tasks",
        write_lines(
            dir,
            "tasks",
            c.tasks.iter().filter(|t| !t.deleted).map(|t| {
                json!({
                    "id": t.id, "responsible_id": t.responsible, "created_by": t.created_by, "status": t.status,
                    "created_at": utc(t.created), "changed_at": utc(t.changed), "deadline": utc(t.deadline), "closed_at": opt_utc(t.closed),
                    "crm": t.crm.map(|(ty, id)| format!("{}_{id}", if ty == LEAD { "L" } else { "D" })),
                })
            }),
        )?,
    );
    count(
        "comments",
        write_lines(
            dir,
            "comments",
            c.comments.iter().filter(|m| !m.deleted).map(|m| {
                json!({
                    "id": m.id, "entity_type": if m.entity_type == LEAD { "lead" } else { "deal" }, "entity_id": m.entity_id,
                    "created_at": utc(m.created), "author_id": m.author,
                })
            }),
        )?,
    );

    let meta = json!({
        "seed": c.seed, "time_zone": tz.name(), "generated_at": utc(c.generated_at),
        "today": local_date(tz, c.generated_at).to_string(), "counts": counts,
    });
    fs::write(dir.join("meta.json"), serde_json::to_vec_pretty(&meta)?)?;
    Ok(())
}
