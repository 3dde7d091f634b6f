//! The generated company: the portal's directories (users, departments, funnels, stages,
//! sources, currencies) and its history (leads, deals, stage history, activities, calls,
//! tasks, timeline comments).
//!
//! Rows are kept compact (ids as `u32`, times as unix seconds, money as kopecks) so that a
//! million deals with their activities fit in memory; wire rendering lives in `rest::render`.

pub mod directory;
pub mod generate;
pub mod names;

pub use directory::{Currency, Department, Funnel, Source, Stage, StatusEntity, User};

/// CRM object type ids (`entityTypeId`, `OWNER_TYPE_ID`).
pub const LEAD: u8 = 1;
pub const DEAL: u8 = 2;
pub const COMPANY: u8 = 4;

/// Stage semantics as `STAGE_SEMANTIC_ID` / `STATUS_SEMANTIC_ID` sends them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Semantic {
    Process,
    Success,
    Failure,
}

impl Semantic {
    pub fn code(self) -> &'static str {
        match self {
            Semantic::Process => "P",
            Semantic::Success => "S",
            Semantic::Failure => "F",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Lead {
    pub id: u32,
    /// Index into `Company::lead_statuses`.
    pub status: u16,
    pub source: Option<u8>,
    pub utm: u16,
    pub assigned_by: u32,
    pub created_by: u32,
    pub modify_by: u32,
    pub created: i64,
    pub modified: i64,
    pub moved: i64,
    pub closed: Option<i64>,
    pub last_activity: Option<(i64, u32)>,
    pub opportunity: i64,
    pub name_seed: u32,
    pub company_id: u32,
    pub is_return: bool,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct Deal {
    pub id: u32,
    pub category: u8,
    /// Index into `Company::stages`.
    pub stage: u16,
    pub type_idx: u8,
    pub source: Option<u8>,
    pub utm: u16,
    pub assigned_by: u32,
    pub created_by: u32,
    pub modify_by: u32,
    pub moved_by: u32,
    pub created: i64,
    pub modified: i64,
    pub moved: i64,
    pub begindate: i64,
    pub closedate: i64,
    pub last_activity: Option<(i64, u32)>,
    /// In the deal's own currency, kopecks (hundredths).
    pub opportunity: i64,
    pub currency: u8,
    pub lead_id: u32,
    pub company_id: u32,
    pub is_return: bool,
    pub repeated_approach: bool,
    pub probability: Option<u8>,
    pub region: u8,
    pub tender_no: Option<u32>,
    pub title_seed: u32,
    pub deleted: bool,
}

/// One row of `crm.stagehistory.list`.
#[derive(Clone, Copy, Debug)]
pub struct StageEvent {
    pub id: u32,
    pub owner_id: u32,
    /// 1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 funnel changed.
    pub type_id: u8,
    pub time: i64,
    /// Index into `Company::stages` (deals) or `Company::lead_statuses` (leads).
    pub stage: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    Meeting,
    Call,
    Email,
    Todo,
}

impl ActivityKind {
    pub fn type_id(self) -> u8 {
        match self {
            ActivityKind::Meeting => 1,
            ActivityKind::Call => 2,
            ActivityKind::Email => 4,
            ActivityKind::Todo => 6,
        }
    }
    pub fn provider(self) -> (&'static str, &'static str) {
        match self {
            ActivityKind::Meeting => ("CRM_MEETING", "MEETING"),
            ActivityKind::Call => ("VOXIMPLANT_CALL", "CALL"),
            ActivityKind::Email => ("CRM_EMAIL", "EMAIL"),
            ActivityKind::Todo => ("CRM_TODO", "TODO"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Activity {
    pub id: u32,
    pub owner_type: u8,
    pub owner_id: u32,
    pub kind: ActivityKind,
    /// 0 n/a, 1 incoming, 2 outgoing.
    pub direction: u8,
    pub created: i64,
    pub last_updated: i64,
    pub start: i64,
    pub end: i64,
    pub completed: bool,
    pub responsible: u32,
    pub subject: u16,
    pub company_id: u32,
    pub priority: u8,
    /// For calls: index into `Company::calls` once ids are assigned.
    pub call: Option<CallOutcome>,
    pub deleted: bool,
}

/// What a telephony call looked like; stored with the activity and rendered by
/// `voximplant.statistic.get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    pub duration: u32,
    pub failed_code: u16,
}

/// One row of `voximplant.statistic.get`.
#[derive(Clone, Debug)]
pub struct Call {
    pub id: u32,
    pub activity_id: u32,
    pub user: u32,
    /// 1 outgoing, 2 incoming.
    pub call_type: u8,
    pub duration: u32,
    pub start: i64,
    pub failed_code: u16,
    pub crm_entity_type: u8,
    pub crm_entity_id: u32,
    pub phone_seed: u32,
}

#[derive(Clone, Debug)]
pub struct Task {
    pub id: u32,
    pub title: u16,
    pub responsible: u32,
    pub created_by: u32,
    pub created: i64,
    pub changed: i64,
    pub deadline: i64,
    pub closed: Option<i64>,
    /// 2 waiting, 3 in progress, 5 completed.
    pub status: u8,
    /// `(entity type, id)` of the CRM binding (`ufCrmTask`), if any.
    pub crm: Option<(u8, u32)>,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub id: u32,
    pub entity_type: u8,
    pub entity_id: u32,
    pub created: i64,
    pub author: u32,
    pub text: u16,
    pub deleted: bool,
}

/// The whole emulated portal.
#[derive(Debug)]
pub struct Company {
    pub seed: u64,
    pub tz: chrono_tz::Tz,
    /// The instant the generated history ends at ("now" of the snapshot).
    pub generated_at: i64,
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub funnels: Vec<Funnel>,
    pub stages: Vec<Stage>,
    pub lead_statuses: Vec<Stage>,
    pub sources: Vec<Source>,
    pub deal_types: Vec<(&'static str, &'static str)>,
    pub currencies: Vec<Currency>,
    pub utms: Vec<directory::Utm>,
    pub leads: Vec<Lead>,
    pub deals: Vec<Deal>,
    pub deal_history: Vec<StageEvent>,
    pub lead_history: Vec<StageEvent>,
    pub activities: Vec<Activity>,
    pub calls: Vec<Call>,
    pub tasks: Vec<Task>,
    pub comments: Vec<Comment>,
    /// `(entity type, entity id)` → indices into `comments`, for `crm.timeline.comment.list`.
    pub comments_by_entity: std::collections::HashMap<(u8, u32), Vec<u32>>,
}

impl Company {
    pub fn deal(&self, id: u32) -> Option<&Deal> {
        find_by_id(&self.deals, id, |d| d.id).filter(|d| !d.deleted)
    }
    pub fn deal_mut(&mut self, id: u32) -> Option<&mut Deal> {
        let idx = self.deals.binary_search_by_key(&id, |d| d.id).ok()?;
        Some(&mut self.deals[idx]).filter(|d| !d.deleted)
    }
    pub fn lead(&self, id: u32) -> Option<&Lead> {
        find_by_id(&self.leads, id, |l| l.id).filter(|l| !l.deleted)
    }
    pub fn lead_mut(&mut self, id: u32) -> Option<&mut Lead> {
        let idx = self.leads.binary_search_by_key(&id, |l| l.id).ok()?;
        Some(&mut self.leads[idx]).filter(|l| !l.deleted)
    }
    pub fn activity(&self, id: u32) -> Option<&Activity> {
        find_by_id(&self.activities, id, |a| a.id).filter(|a| !a.deleted)
    }
    pub fn user(&self, id: u32) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn stage_index(&self, status_id: &str) -> Option<u16> {
        self.stages.iter().position(|s| s.status_id == status_id).map(|i| i as u16)
    }
    pub fn lead_status_index(&self, status_id: &str) -> Option<u16> {
        self.lead_statuses.iter().position(|s| s.status_id == status_id).map(|i| i as u16)
    }
    pub fn base_currency(&self) -> &Currency {
        self.currencies.iter().find(|c| c.base).expect("a base currency")
    }
    pub fn next_id<T>(rows: &[T], id: impl Fn(&T) -> u32) -> u32 {
        rows.last().map(|r| id(r) + 1).unwrap_or(1)
    }
}

/// Rows are kept sorted by id, so lookups are binary searches.
pub fn find_by_id<T>(rows: &[T], id: u32, key: impl Fn(&T) -> u32) -> Option<&T> {
    rows.binary_search_by_key(&id, key).ok().map(|i| &rows[i])
}
