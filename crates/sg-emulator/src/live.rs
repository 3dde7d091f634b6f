//! Live mode: the company keeps working while the emulator runs — new leads, conversions,
//! stage moves, calls, comments, edits, tasks and the odd deletion — each raising the events
//! a real portal would.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::company::*;
use crate::portal::Portal;

/// Tick `rate` changes per second until aborted.
pub async fn run(p: Arc<Portal>, rate: f64, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x11FE);
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let mut ticker = tokio::time::interval(period);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        step(&p, &mut rng);
    }
}

/// One change; returns the events raised (name, data).
pub fn step(p: &Portal, rng: &mut ChaCha8Rng) -> Vec<(String, Value)> {
    let now = p.clock.now_secs();
    let mut events = Vec::new();
    {
        let mut c = p.company.write().expect("company lock");
        let r: f64 = rng.random();
        let done = if r < 0.25 {
            false
        } else if r < 0.40 {
            progress_lead(&mut c, rng, now, &mut events)
        } else if r < 0.62 {
            move_deal(&mut c, rng, now, &mut events)
        } else if r < 0.80 {
            call_on_deal(&mut c, rng, now, &mut events)
        } else if r < 0.88 {
            comment_on_deal(&mut c, rng, now, &mut events)
        } else if r < 0.94 {
            edit_deal(&mut c, rng, now, &mut events)
        } else if r < 0.985 {
            task_change(&mut c, rng, now, &mut events)
        } else {
            match pick_open_deal(&c, rng) {
                Some(id) => {
                    delete_deal(&mut c, id, now, &mut events);
                    true
                }
                None => false,
            }
        };
        if !done {
            new_lead(&mut c, rng, now, &mut events);
        }
    }
    for (name, data) in &events {
        p.raise(name, data.clone());
    }
    events
}

fn fields_id(id: u32) -> Value {
    json!({"FIELDS": {"ID": id.to_string()}})
}

fn random_seller(c: &Company, rng: &mut ChaCha8Rng) -> u32 {
    let sellers: Vec<u32> = c.users.iter().filter(|u| u.seller.is_some() && u.active()).map(|u| u.id).collect();
    sellers[rng.random_range(0..sellers.len())]
}

fn pick_open_deal(c: &Company, rng: &mut ChaCha8Rng) -> Option<u32> {
    let n = c.deals.len();
    if n == 0 {
        return None;
    }
    for _ in 0..60 {
        let i = n - 1 - rng.random_range(0..n.min(3000));
        let d = &c.deals[i];
        if !d.deleted && c.stages[d.stage as usize].semantic == Semantic::Process {
            return Some(d.id);
        }
    }
    None
}

fn new_lead(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) {
    let id = Company::next_id(&c.leads, |l| l.id);
    let user = random_seller(c, rng);
    let source = Some(rng.random_range(0..c.sources.len()) as u8);
    let web = source.is_some_and(|s| c.sources[s as usize].web);
    let status = c.lead_status_index("NEW").expect("NEW");
    c.leads.push(Lead {
        id,
        status,
        source,
        utm: if web { rng.random_range(1..=8) } else { 0 },
        assigned_by: user,
        created_by: user,
        modify_by: user,
        created: now,
        modified: now,
        moved: now,
        closed: None,
        last_activity: Some((now, user)),
        opportunity: 0,
        name_seed: rng.random(),
        company_id: 0,
        is_return: false,
        deleted: false,
    });
    let hid = Company::next_id(&c.lead_history, |h| h.id);
    c.lead_history.push(StageEvent { id: hid, owner_id: id, type_id: 1, time: now, stage: status });
    events.push(("ONCRMLEADADD".into(), fields_id(id)));
}

fn progress_lead(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let (st_new, st_work, st_conv, st_junk) = (
        c.lead_status_index("NEW").expect("NEW"),
        c.lead_status_index("IN_PROCESS").expect("IN_PROCESS"),
        c.lead_status_index("CONVERTED").expect("CONVERTED"),
        c.lead_status_index("JUNK").expect("JUNK"),
    );
    let n = c.leads.len();
    let candidate = (0..40).map(|_| n - 1 - rng.random_range(0..n.min(500))).find(|&i| {
        let l = &c.leads[i];
        !l.deleted && (l.status == st_new || l.status == st_work)
    });
    let Some(i) = candidate else { return false };
    let lead_id = c.leads[i].id;
    let user = c.leads[i].assigned_by;
    let (to, type_id) = if c.leads[i].status == st_new {
        (st_work, 2)
    } else if rng.random_bool(0.5) {
        (st_conv, 3)
    } else {
        (st_junk, 3)
    };
    {
        let l = &mut c.leads[i];
        l.status = to;
        l.moved = now;
        l.modified = now;
        l.last_activity = Some((now, user));
        if type_id == 3 {
            l.closed = Some(now);
        }
    }
    let hid = Company::next_id(&c.lead_history, |h| h.id);
    c.lead_history.push(StageEvent { id: hid, owner_id: lead_id, type_id, time: now, stage: to });
    events.push(("ONCRMLEADUPDATE".into(), fields_id(lead_id)));
    if to == st_work {
        add_call(c, rng, LEAD, lead_id, 0, user, now, events);
    }
    if to == st_conv {
        let deal_id = Company::next_id(&c.deals, |d| d.id);
        let company_id = c.deals.iter().map(|d| d.company_id).max().unwrap_or(0) + 1;
        c.leads[i].company_id = company_id;
        let (source, utm) = (c.leads[i].source, c.leads[i].utm);
        let stage = c.stage_index("NEW").expect("NEW");
        c.deals.push(Deal {
            id: deal_id,
            category: 0,
            stage,
            type_idx: 0,
            source,
            utm,
            assigned_by: user,
            created_by: user,
            modify_by: user,
            moved_by: user,
            created: now,
            modified: now,
            moved: now,
            begindate: now,
            closedate: now + 30 * 86_400,
            last_activity: Some((now, user)),
            opportunity: rng.random_range(50..2_000) * 1_000 * 100,
            currency: 0,
            lead_id,
            company_id,
            is_return: false,
            repeated_approach: false,
            probability: Some(10),
            region: (company_id % 8) as u8 + 1,
            tender_no: None,
            title_seed: company_id,
            deleted: false,
        });
        let hid = Company::next_id(&c.deal_history, |h| h.id);
        c.deal_history.push(StageEvent { id: hid, owner_id: deal_id, type_id: 1, time: now, stage });
        events.push(("ONCRMDEALADD".into(), fields_id(deal_id)));
    }
    true
}

fn move_deal(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let Some(id) = pick_open_deal(c, rng) else { return false };
    let deal = c.deal(id).expect("open deal");
    let current = &c.stages[deal.stage as usize];
    let category = current.category;
    let mut in_funnel: Vec<(usize, &Stage)> = c.stages.iter().enumerate().filter(|(_, s)| s.category == category).collect();
    in_funnel.sort_by_key(|(_, s)| s.sort);
    let next_process = in_funnel.iter().find(|(_, s)| s.semantic == Semantic::Process && s.step == current.step + 1).map(|(i, _)| *i);
    let won = in_funnel.iter().find(|(_, s)| s.semantic == Semantic::Success).map(|(i, _)| *i).expect("won");
    let lost = in_funnel.iter().find(|(_, s)| s.semantic == Semantic::Failure).map(|(i, _)| *i).expect("lost");
    let to = if rng.random_bool(0.12) { lost } else { next_process.unwrap_or(won) };
    let final_stage = c.stages[to].semantic != Semantic::Process;
    let d = c.deal_mut(id).expect("open deal");
    d.stage = to as u16;
    d.moved = now;
    d.modified = now;
    d.moved_by = d.assigned_by;
    d.modify_by = d.assigned_by;
    if final_stage {
        d.closedate = now;
        d.probability = Some(if to == won { 100 } else { 0 });
    }
    let hid = Company::next_id(&c.deal_history, |h| h.id);
    c.deal_history.push(StageEvent { id: hid, owner_id: id, type_id: if final_stage { 3 } else { 2 }, time: now, stage: to as u16 });
    events.push(("ONCRMDEALUPDATE".into(), fields_id(id)));
    true
}

#[allow(clippy::too_many_arguments)]
fn add_call(
    c: &mut Company,
    rng: &mut ChaCha8Rng,
    owner_type: u8,
    owner_id: u32,
    company_id: u32,
    user: u32,
    now: i64,
    events: &mut Vec<(String, Value)>,
) {
    let outgoing = rng.random_bool(0.7);
    let answered = rng.random_bool(0.75);
    let duration = if answered { rng.random_range(15..600) } else { 0 };
    let failed_code = if answered {
        200
    } else if outgoing {
        486
    } else {
        304
    };
    let id = Company::next_id(&c.activities, |a| a.id);
    c.activities.push(Activity {
        id,
        owner_type,
        owner_id,
        kind: ActivityKind::Call,
        direction: if outgoing { 2 } else { 1 },
        created: now,
        last_updated: now,
        start: now - i64::from(duration),
        end: now,
        completed: true,
        responsible: user,
        subject: if outgoing {
            0
        } else if answered {
            1
        } else {
            2
        },
        company_id,
        priority: 2,
        call: Some(CallOutcome { duration, failed_code }),
        deleted: false,
    });
    let call_id = Company::next_id(&c.calls, |x| x.id);
    c.calls.push(Call {
        id: call_id,
        activity_id: id,
        user,
        call_type: if outgoing { 1 } else { 2 },
        duration,
        start: now - i64::from(duration),
        failed_code,
        crm_entity_type: if owner_type == LEAD { LEAD } else { COMPANY },
        crm_entity_id: if owner_type == LEAD { owner_id } else { company_id },
        phone_seed: rng.random(),
    });
    events.push(("ONCRMACTIVITYADD".into(), fields_id(id)));
    events.push((
        "ONVOXIMPLANTCALLEND".into(),
        json!({"CALL_ID": format!("externalCall.live.{call_id}"), "CALL_TYPE": if outgoing { "1" } else { "2" }, "PORTAL_USER_ID": user.to_string(),
               "CALL_DURATION": duration.to_string(), "CALL_FAILED_CODE": failed_code.to_string(), "CRM_ACTIVITY_ID": id.to_string()}),
    ));
}

fn call_on_deal(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let Some(id) = pick_open_deal(c, rng) else { return false };
    let (user, company_id) = {
        let d = c.deal(id).expect("deal");
        (d.assigned_by, d.company_id)
    };
    add_call(c, rng, DEAL, id, company_id, user, now, events);
    c.deal_mut(id).expect("deal").last_activity = Some((now, user));
    true
}

fn comment_on_deal(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let Some(id) = pick_open_deal(c, rng) else { return false };
    let user = c.deal(id).expect("deal").assigned_by;
    let cid = Company::next_id(&c.comments, |m| m.id);
    c.comments.push(Comment {
        id: cid,
        entity_type: DEAL,
        entity_id: id,
        created: now,
        author: user,
        text: rng.random_range(0..10),
        deleted: false,
    });
    let idx = c.comments.len() as u32 - 1;
    c.comments_by_entity.entry((DEAL, id)).or_default().push(idx);
    c.deal_mut(id).expect("deal").last_activity = Some((now, user));
    events.push((
        "ONCRMTIMELINECOMMENTADD".into(),
        json!({"FIELDS": {"ID": cid.to_string(), "ENTITY_ID": id.to_string(), "ENTITY_TYPE": "deal"}}),
    ));
    true
}

fn edit_deal(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let Some(id) = pick_open_deal(c, rng) else { return false };
    let d = c.deal_mut(id).expect("deal");
    let factor = rng.random_range(80..125);
    d.opportunity = d.opportunity / 100 * factor;
    d.modified = now;
    d.modify_by = d.assigned_by;
    events.push(("ONCRMDEALUPDATE".into(), fields_id(id)));
    true
}

fn task_change(c: &mut Company, rng: &mut ChaCha8Rng, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let open = c.tasks.iter().rposition(|t| !t.deleted && t.closed.is_none());
    if let (Some(i), true) = (open, rng.random_bool(0.5)) {
        let t = &mut c.tasks[i];
        t.status = 5;
        t.closed = Some(now);
        t.changed = now;
        let id = t.id;
        events.push(("ONTASKUPDATE".into(), json!({"FIELDS_BEFORE": {"ID": id}, "FIELDS_AFTER": {"ID": id}, "IS_ACCESSIBLE_BEFORE": "undefined", "IS_ACCESSIBLE_AFTER": "undefined"})));
        return true;
    }
    let Some(deal) = pick_open_deal(c, rng) else { return false };
    let user = c.deal(deal).expect("deal").assigned_by;
    let id = Company::next_id(&c.tasks, |t| t.id);
    c.tasks.push(Task {
        id,
        title: rng.random_range(0..8),
        responsible: user,
        created_by: user,
        created: now,
        changed: now,
        deadline: now + 2 * 86_400,
        closed: None,
        status: 2,
        crm: Some((DEAL, deal)),
        deleted: false,
    });
    events.push((
        "ONTASKADD".into(),
        json!({"FIELDS_BEFORE": "undefined", "FIELDS_AFTER": {"ID": id}, "IS_ACCESSIBLE_BEFORE": "N", "IS_ACCESSIBLE_AFTER": "undefined"}),
    ));
    true
}

/// Delete a deal and the activities bound to it, raising the delete events.
pub fn delete_deal(c: &mut Company, id: u32, now: i64, events: &mut Vec<(String, Value)>) -> bool {
    let Some(d) = c.deal_mut(id) else { return false };
    d.deleted = true;
    d.modified = now;
    for a in c.activities.iter_mut().filter(|a| a.owner_type == DEAL && a.owner_id == id && !a.deleted) {
        a.deleted = true;
        events.push(("ONCRMACTIVITYDELETE".into(), fields_id(a.id)));
    }
    // The deal's timeline goes with it.
    if let Some(idx) = c.comments_by_entity.remove(&(DEAL, id)) {
        for i in idx {
            c.comments[i as usize].deleted = true;
        }
    }
    events.push(("ONCRMDEALDELETE".into(), fields_id(id)));
    true
}
