//! Field tables: one row per wire field of each entity, with its names in both cases, its
//! `*.fields` descriptor and how to read it from a stored row. Lists, `get` methods, filters,
//! ordering and `crm.*.fields` all read these tables.

use std::sync::LazyLock;

use serde_json::json;

use super::value::Val;
use crate::company::generate::local_date;
use crate::company::names;
use crate::company::*;

pub struct Field<T> {
    pub upper: &'static str,
    pub camel: &'static str,
    pub kind: &'static str,
    pub title: &'static str,
    /// Included by `select: ["*"]` (and by default).
    pub star: bool,
    /// A custom `UF_*` field: included by `UF_*` (and by default for deals and leads).
    pub custom: bool,
    /// Typed families send `0` instead of `null` (unset foreign keys in crm.item).
    pub zero_if_null: bool,
    pub read_only: bool,
    pub status_type: Option<&'static str>,
    pub get: fn(&T, &Company) -> Val,
}

fn f<T>(upper: &'static str, camel: &'static str, kind: &'static str, title: &'static str, get: fn(&T, &Company) -> Val) -> Field<T> {
    Field { upper, camel, kind, title, star: true, custom: false, zero_if_null: false, read_only: false, status_type: None, get }
}

impl<T> Field<T> {
    fn ro(mut self) -> Self {
        self.read_only = true;
        self
    }
    fn zero(mut self) -> Self {
        self.zero_if_null = true;
        self
    }
    fn explicit(mut self) -> Self {
        self.star = false;
        self
    }
    fn uf(mut self) -> Self {
        self.custom = true;
        self.star = false;
        self
    }
    fn status(mut self, t: &'static str) -> Self {
        self.status_type = Some(t);
        self
    }
}

/// A stored row type that list methods can serve.
pub trait Entity: Sized + Send + Sync + 'static {
    fn fields() -> &'static [Field<Self>];
    fn id(&self) -> u32;
    fn alive(&self) -> bool;
}

fn opt_id(id: u32) -> Val {
    if id == 0 { Val::Null } else { Val::Int(i64::from(id)) }
}
fn opt_str(s: &str) -> Val {
    if s.is_empty() { Val::Null } else { Val::Str(s.to_string()) }
}
fn yn(b: bool) -> Val {
    Val::Bool(b)
}
fn date(c: &Company, ts: i64) -> Val {
    Val::Date(local_date(c.tz, ts))
}
fn utm_field(c: &Company, idx: u16, pick: fn(&crate::company::directory::Utm) -> Option<&'static str>) -> Val {
    c.utms.get(idx as usize).and_then(pick).map(opt_str).unwrap_or(Val::Null)
}
fn last_activity_time(v: Option<(i64, u32)>) -> Val {
    v.map(|(t, _)| Val::Time(t)).unwrap_or(Val::Null)
}
fn last_activity_by(v: Option<(i64, u32)>) -> Val {
    v.map(|(_, u)| Val::Int(i64::from(u))).unwrap_or(Val::Null)
}

pub fn phone(seed: u32) -> String {
    format!("+7{:03}{:07}", 900 + seed % 90, seed.wrapping_mul(7919) % 10_000_000)
}

impl Entity for Deal {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Deal>>> = LazyLock::new(deal_fields);
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        !self.deleted
    }
}

fn deal_fields() -> Vec<Field<Deal>> {
    vec![
        f("ID", "id", "integer", "ID", |d: &Deal, _| Val::Int(i64::from(d.id))).ro(),
        f("TITLE", "title", "string", "Название", |d: &Deal, _| Val::Str(names::deal_title(d.id, d.title_seed, d.category == 1))),
        f("TYPE_ID", "typeId", "crm_status", "Тип", |d: &Deal, c| Val::Str(c.deal_types[d.type_idx as usize].0.into())).status("DEAL_TYPE"),
        f("CATEGORY_ID", "categoryId", "crm_category", "Воронка", |d: &Deal, _| Val::Int(i64::from(d.category))),
        f("STAGE_ID", "stageId", "crm_status", "Стадия сделки", |d: &Deal, c| {
            Val::Str(c.stages[d.stage as usize].status_id.clone())
        })
        .status("DEAL_STAGE"),
        f("STAGE_SEMANTIC_ID", "stageSemanticId", "string", "Группа стадии", |d: &Deal, c| {
            Val::Str(c.stages[d.stage as usize].semantic.code().into())
        })
        .ro(),
        f("IS_NEW", "isNew", "char", "Новая сделка", |d: &Deal, c| yn(c.stages[d.stage as usize].step == 0)).ro(),
        f("IS_RECURRING", "isRecurring", "char", "Регулярная сделка", |_: &Deal, _| yn(false)),
        f("IS_RETURN_CUSTOMER", "isReturnCustomer", "char", "Повторная сделка", |d: &Deal, _| yn(d.is_return)),
        f("IS_REPEATED_APPROACH", "isRepeatedApproach", "char", "Повторное обращение", |d: &Deal, _| {
            yn(d.repeated_approach)
        }),
        f("PROBABILITY", "probability", "integer", "Вероятность", |d: &Deal, _| {
            d.probability.map(|p| Val::Int(i64::from(p))).unwrap_or(Val::Null)
        }),
        f("CURRENCY_ID", "currencyId", "crm_currency", "Валюта", |d: &Deal, c| {
            Val::Str(c.currencies[d.currency as usize].code.into())
        }),
        f("OPPORTUNITY", "opportunity", "double", "Сумма", |d: &Deal, _| Val::Money(d.opportunity)),
        f("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", "char", "Сумма заполнена вручную", |_: &Deal, _| yn(true)),
        f("TAX_VALUE", "taxValue", "double", "Ставка налога", |_: &Deal, _| Val::Money(0)),
        f("COMPANY_ID", "companyId", "crm_company", "Компания", |d: &Deal, _| opt_id(d.company_id)).zero(),
        f("CONTACT_ID", "contactId", "crm_contact", "Контакт", |_: &Deal, _| Val::Null).zero(),
        f("QUOTE_ID", "quoteId", "crm_quote", "Предложение", |_: &Deal, _| Val::Null).zero().ro(),
        f("BEGINDATE", "begindate", "date", "Дата начала", |d: &Deal, c| date(c, d.begindate)),
        f("CLOSEDATE", "closedate", "date", "Предполагаемая дата закрытия", |d: &Deal, c| date(c, d.closedate)),
        f("OPENED", "opened", "char", "Доступна для всех", |_: &Deal, _| yn(true)),
        f("CLOSED", "closed", "char", "Закрыта", |d: &Deal, c| yn(c.stages[d.stage as usize].semantic != Semantic::Process)),
        f("COMMENTS", "comments", "string", "Комментарий", |_: &Deal, _| Val::Null),
        f("ASSIGNED_BY_ID", "assignedById", "user", "Ответственный", |d: &Deal, _| Val::Int(i64::from(d.assigned_by))),
        f("CREATED_BY_ID", "createdBy", "user", "Кем создана", |d: &Deal, _| Val::Int(i64::from(d.created_by))).ro(),
        f("MODIFY_BY_ID", "updatedBy", "user", "Кем изменена", |d: &Deal, _| Val::Int(i64::from(d.modify_by))).ro(),
        f("MOVED_BY_ID", "movedBy", "user", "Кем изменена стадия", |d: &Deal, _| Val::Int(i64::from(d.moved_by))).ro(),
        f("DATE_CREATE", "createdTime", "datetime", "Дата создания", |d: &Deal, _| Val::Time(d.created)).ro(),
        f("DATE_MODIFY", "updatedTime", "datetime", "Дата изменения", |d: &Deal, _| Val::Time(d.modified)).ro(),
        f("MOVED_TIME", "movedTime", "datetime", "Дата изменения стадии", |d: &Deal, _| Val::Time(d.moved)).ro(),
        f("SOURCE_ID", "sourceId", "crm_status", "Источник", |d: &Deal, c| {
            d.source.map(|s| Val::Str(c.sources[s as usize].id.into())).unwrap_or(Val::Null)
        })
        .status("SOURCE"),
        f("SOURCE_DESCRIPTION", "sourceDescription", "string", "Дополнительно об источнике", |_: &Deal, _| {
            Val::Null
        }),
        f("LEAD_ID", "leadId", "crm_lead", "Лид", |d: &Deal, _| opt_id(d.lead_id)).zero().ro(),
        f("ADDITIONAL_INFO", "additionalInfo", "string", "Дополнительная информация", |_: &Deal, _| Val::Null),
        f("LOCATION_ID", "locationId", "location", "Местоположение", |_: &Deal, _| Val::Null),
        f("ORIGINATOR_ID", "originatorId", "string", "Внешний источник", |_: &Deal, _| Val::Null),
        f("ORIGIN_ID", "originId", "string", "Идентификатор во внешнем источнике", |_: &Deal, _| Val::Null),
        f("UTM_SOURCE", "utmSource", "string", "Рекламная система", |d: &Deal, c| utm_field(c, d.utm, |u| Some(u.source))),
        f("UTM_MEDIUM", "utmMedium", "string", "Тип трафика", |d: &Deal, c| utm_field(c, d.utm, |u| Some(u.medium))),
        f("UTM_CAMPAIGN", "utmCampaign", "string", "Обозначение рекламной кампании", |d: &Deal, c| {
            utm_field(c, d.utm, |u| Some(u.campaign))
        }),
        f("UTM_CONTENT", "utmContent", "string", "Содержание кампании", |d: &Deal, c| utm_field(c, d.utm, |u| u.content)),
        f("UTM_TERM", "utmTerm", "string", "Условие поиска кампании", |d: &Deal, c| utm_field(c, d.utm, |u| u.term)),
        f("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "Последняя активность", |d: &Deal, _| {
            last_activity_time(d.last_activity)
        })
        .ro(),
        f("LAST_ACTIVITY_BY", "lastActivityBy", "user", "Автор последней активности", |d: &Deal, _| {
            last_activity_by(d.last_activity)
        })
        .ro(),
        f("UF_CRM_1712040187", "ufCrm_1712040187", "enumeration", "Регион", |d: &Deal, _| {
            Val::Str((100 + u32::from(d.region)).to_string())
        })
        .uf(),
        f("UF_CRM_1712040255", "ufCrm_1712040255", "string", "Номер закупки", |d: &Deal, _| {
            d.tender_no.map(|n| Val::Str(format!("0373200{n:07}"))).unwrap_or(Val::Str(String::new()))
        })
        .uf(),
    ]
}

pub const REGIONS: &[&str] =
    &["Москва", "Московская область", "Центральный ФО", "Приволжский ФО", "Уральский ФО", "Сибирский ФО", "Южный ФО", "Северо-Западный ФО"];

impl Entity for Lead {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Lead>>> = LazyLock::new(lead_fields);
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        !self.deleted
    }
}

fn lead_person(l: &Lead) -> (&'static str, &'static str) {
    let s = l.name_seed as usize;
    (names::FIRST_NAMES[s % names::FIRST_NAMES.len()], names::LAST_NAMES[(s / 16) % names::LAST_NAMES.len()])
}

fn lead_fields() -> Vec<Field<Lead>> {
    vec![
        f("ID", "id", "integer", "ID", |l: &Lead, _| Val::Int(i64::from(l.id))).ro(),
        f("TITLE", "title", "string", "Название лида", |l: &Lead, c| Val::Str(names::lead_title(l.id, l.source.map(|s| c.sources[s as usize].id)))),
        f("HONORIFIC", "honorific", "crm_status", "Обращение", |_: &Lead, _| Val::Null),
        f("NAME", "name", "string", "Имя", |l: &Lead, _| Val::Str(lead_person(l).0.into())),
        f("SECOND_NAME", "secondName", "string", "Отчество", |_: &Lead, _| Val::Str(String::new())),
        f("LAST_NAME", "lastName", "string", "Фамилия", |l: &Lead, _| Val::Str(lead_person(l).1.into())),
        f("BIRTHDATE", "birthdate", "date", "Дата рождения", |_: &Lead, _| Val::Str(String::new())),
        f("COMPANY_TITLE", "companyTitle", "string", "Название компании", |l: &Lead, _| if l.company_id == 0 { Val::Null } else { Val::Str(names::company_name(l.company_id)) }),
        f("SOURCE_ID", "sourceId", "crm_status", "Источник", |l: &Lead, c| l.source.map(|s| Val::Str(c.sources[s as usize].id.into())).unwrap_or(Val::Null)).status("SOURCE"),
        f("SOURCE_DESCRIPTION", "sourceDescription", "string", "Дополнительно об источнике", |_: &Lead, _| Val::Null),
        f("STATUS_ID", "stageId", "crm_status", "Стадия", |l: &Lead, c| Val::Str(c.lead_statuses[l.status as usize].status_id.clone())).status("STATUS"),
        f("STATUS_DESCRIPTION", "statusDescription", "string", "Дополнительно о стадии", |_: &Lead, _| Val::Null),
        f("STATUS_SEMANTIC_ID", "stageSemanticId", "string", "Семантика стадии", |l: &Lead, c| Val::Str(c.lead_statuses[l.status as usize].semantic.code().into())).ro(),
        f("POST", "post", "string", "Должность", |_: &Lead, _| Val::Null),
        f("CURRENCY_ID", "currencyId", "crm_currency", "Валюта", |_: &Lead, _| Val::Str("RUB".into())),
        f("OPPORTUNITY", "opportunity", "double", "Сумма", |l: &Lead, _| Val::Money(l.opportunity)),
        f("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", "char", "Сумма заполнена вручную", |_: &Lead, _| yn(false)),
        f("OPENED", "opened", "char", "Доступен для всех", |_: &Lead, _| yn(true)),
        f("COMMENTS", "comments", "string", "Комментарий", |_: &Lead, _| Val::Null),
        f("HAS_PHONE", "hasPhone", "char", "Есть телефон", |_: &Lead, _| yn(true)).ro(),
        f("HAS_EMAIL", "hasEmail", "char", "Есть e-mail", |l: &Lead, _| yn(!l.name_seed.is_multiple_of(3))).ro(),
        f("HAS_IMOL", "hasImol", "char", "Есть открытая линия", |_: &Lead, _| yn(false)).ro(),
        f("ASSIGNED_BY_ID", "assignedById", "user", "Ответственный", |l: &Lead, _| Val::Int(i64::from(l.assigned_by))),
        f("CREATED_BY_ID", "createdBy", "user", "Кем создан", |l: &Lead, _| Val::Int(i64::from(l.created_by))).ro(),
        f("MODIFY_BY_ID", "updatedBy", "user", "Кем изменён", |l: &Lead, _| Val::Int(i64::from(l.modify_by))).ro(),
        f("MOVED_BY_ID", "movedBy", "user", "Кем изменена стадия", |l: &Lead, _| Val::Int(i64::from(l.assigned_by))).ro(),
        f("DATE_CREATE", "createdTime", "datetime", "Дата создания", |l: &Lead, _| Val::Time(l.created)).ro(),
        f("DATE_MODIFY", "updatedTime", "datetime", "Дата изменения", |l: &Lead, _| Val::Time(l.modified)).ro(),
        f("MOVED_TIME", "movedTime", "datetime", "Дата изменения стадии", |l: &Lead, _| Val::Time(l.moved)).ro(),
        f("COMPANY_ID", "companyId", "crm_company", "Компания", |_: &Lead, _| Val::Null).zero(),
        f("CONTACT_ID", "contactId", "crm_contact", "Контакт", |_: &Lead, _| Val::Null).zero(),
        f("IS_RETURN_CUSTOMER", "isReturnCustomer", "char", "Повторный лид", |l: &Lead, _| yn(l.is_return)),
        f("DATE_CLOSED", "dateClosed", "datetime", "Дата закрытия", |l: &Lead, _| l.closed.map(Val::Time).unwrap_or(Val::Str(String::new()))).ro(),
        f("ORIGINATOR_ID", "originatorId", "string", "Внешний источник", |_: &Lead, _| Val::Null),
        f("ORIGIN_ID", "originId", "string", "Идентификатор во внешнем источнике", |_: &Lead, _| Val::Null),
        f("UTM_SOURCE", "utmSource", "string", "Рекламная система", |l: &Lead, c| utm_field(c, l.utm, |u| Some(u.source))),
        f("UTM_MEDIUM", "utmMedium", "string", "Тип трафика", |l: &Lead, c| utm_field(c, l.utm, |u| Some(u.medium))),
        f("UTM_CAMPAIGN", "utmCampaign", "string", "Обозначение рекламной кампании", |l: &Lead, c| utm_field(c, l.utm, |u| Some(u.campaign))),
        f("UTM_CONTENT", "utmContent", "string", "Содержание кампании", |l: &Lead, c| utm_field(c, l.utm, |u| u.content)),
        f("UTM_TERM", "utmTerm", "string", "Условие поиска кампании", |l: &Lead, c| utm_field(c, l.utm, |u| u.term)),
        f("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "Последняя активность", |l: &Lead, _| last_activity_time(l.last_activity)).ro(),
        f("LAST_ACTIVITY_BY", "lastActivityBy", "user", "Автор последней активности", |l: &Lead, _| last_activity_by(l.last_activity)).ro(),
        f("PHONE", "phone", "crm_multifield", "Телефон", |l: &Lead, _| {
            Val::Json(json!([{"ID": (l.id * 2).to_string(), "VALUE_TYPE": "WORK", "VALUE": phone(l.name_seed), "TYPE_ID": "PHONE"}]))
        }).explicit(),
        f("EMAIL", "email", "crm_multifield", "E-mail", |l: &Lead, _| {
            if l.name_seed.is_multiple_of(3) {
                Val::Null
            } else {
                Val::Json(json!([{"ID": (l.id * 2 + 1).to_string(), "VALUE_TYPE": "WORK", "VALUE": format!("client{}@mail.example", l.name_seed % 100_000), "TYPE_ID": "EMAIL"}]))
            }
        }).explicit(),
    ]
}

impl Entity for StageEvent {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<StageEvent>>> = LazyLock::new(|| {
            vec![
                f("ID", "ID", "integer", "ID", |h: &StageEvent, _| Val::Int(i64::from(h.id))),
                f("TYPE_ID", "TYPE_ID", "integer", "Тип", |h: &StageEvent, _| Val::Int(i64::from(h.type_id))),
                f("OWNER_ID", "OWNER_ID", "integer", "Владелец", |h: &StageEvent, _| Val::Int(i64::from(h.owner_id))),
                f("CREATED_TIME", "CREATED_TIME", "datetime", "Время", |h: &StageEvent, _| Val::Time(h.time)),
                f("CATEGORY_ID", "CATEGORY_ID", "integer", "Воронка", |h: &StageEvent, c| {
                    Val::Int(i64::from(c.stages[h.stage as usize].category.unwrap_or(0)))
                }),
                f("STAGE_SEMANTIC_ID", "STAGE_SEMANTIC_ID", "string", "Семантика", |h: &StageEvent, c| {
                    Val::Str(c.stages[h.stage as usize].semantic.code().into())
                }),
                f("STAGE_ID", "STAGE_ID", "string", "Стадия", |h: &StageEvent, c| {
                    Val::Str(c.stages[h.stage as usize].status_id.clone())
                }),
            ]
        });
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        true
    }
}

/// Lead stage history has `STATUS_*` columns instead of `STAGE_*`/`CATEGORY_ID`.
pub fn lead_history_fields() -> &'static [Field<StageEvent>] {
    static FIELDS: LazyLock<Vec<Field<StageEvent>>> = LazyLock::new(|| {
        vec![
            f("ID", "ID", "integer", "ID", |h: &StageEvent, _| Val::Int(i64::from(h.id))),
            f("TYPE_ID", "TYPE_ID", "integer", "Тип", |h: &StageEvent, _| Val::Int(i64::from(h.type_id))),
            f("OWNER_ID", "OWNER_ID", "integer", "Владелец", |h: &StageEvent, _| Val::Int(i64::from(h.owner_id))),
            f("CREATED_TIME", "CREATED_TIME", "datetime", "Время", |h: &StageEvent, _| Val::Time(h.time)),
            f("STATUS_SEMANTIC_ID", "STATUS_SEMANTIC_ID", "string", "Семантика", |h: &StageEvent, c| {
                Val::Str(c.lead_statuses[h.stage as usize].semantic.code().into())
            }),
            f("STATUS_ID", "STATUS_ID", "string", "Статус", |h: &StageEvent, c| {
                Val::Str(c.lead_statuses[h.stage as usize].status_id.clone())
            }),
        ]
    });
    &FIELDS
}

impl Entity for Activity {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Activity>>> = LazyLock::new(activity_fields);
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        !self.deleted
    }
}

pub fn activity_subject(a: &Activity) -> &'static str {
    let pool = match a.kind {
        ActivityKind::Call => names::CALL_SUBJECTS,
        ActivityKind::Email => names::EMAIL_SUBJECTS,
        ActivityKind::Meeting => names::MEETING_SUBJECTS,
        ActivityKind::Todo => names::TODO_SUBJECTS,
    };
    pool[a.subject as usize % pool.len()]
}

fn activity_deadline(a: &Activity) -> i64 {
    match a.kind {
        ActivityKind::Todo => a.end,
        _ => a.start,
    }
}

fn activity_fields() -> Vec<Field<Activity>> {
    vec![
        f("ID", "id", "integer", "ID", |a: &Activity, _| Val::Int(i64::from(a.id))).ro(),
        f("OWNER_ID", "ownerId", "integer", "ID владельца", |a: &Activity, _| Val::Int(i64::from(a.owner_id))),
        f("OWNER_TYPE_ID", "ownerTypeId", "integer", "Тип владельца", |a: &Activity, _| Val::Int(i64::from(a.owner_type))),
        f("TYPE_ID", "typeId", "crm_enum_activitytype", "Тип", |a: &Activity, _| Val::Int(i64::from(a.kind.type_id()))),
        f("PROVIDER_ID", "providerId", "string", "Провайдер", |a: &Activity, _| Val::Str(a.kind.provider().0.into())),
        f("PROVIDER_TYPE_ID", "providerTypeId", "string", "Тип провайдера", |a: &Activity, _| Val::Str(a.kind.provider().1.into())),
        f("PROVIDER_GROUP_ID", "providerGroupId", "string", "Группа провайдера", |_: &Activity, _| Val::Null),
        f("ASSOCIATED_ENTITY_ID", "associatedEntityId", "integer", "Связанная сущность", |_: &Activity, _| Val::Int(0)),
        f("SUBJECT", "subject", "string", "Тема", |a: &Activity, _| Val::Str(activity_subject(a).into())),
        f("CREATED", "created", "datetime", "Создано", |a: &Activity, _| Val::Time(a.created)).ro(),
        f("LAST_UPDATED", "lastUpdated", "datetime", "Изменено", |a: &Activity, _| Val::Time(a.last_updated)).ro(),
        f("START_TIME", "startTime", "datetime", "Начало", |a: &Activity, _| Val::Time(a.start)),
        f("END_TIME", "endTime", "datetime", "Окончание", |a: &Activity, _| Val::Time(a.end)),
        f("DEADLINE", "deadline", "datetime", "Крайний срок", |a: &Activity, _| Val::Time(activity_deadline(a))).ro(),
        f("COMPLETED", "completed", "char", "Выполнено", |a: &Activity, _| yn(a.completed)),
        f("STATUS", "status", "crm_enum_activitystatus", "Статус", |a: &Activity, _| Val::Int(if a.completed { 2 } else { 1 })),
        f("RESPONSIBLE_ID", "responsibleId", "user", "Ответственный", |a: &Activity, _| Val::Int(i64::from(a.responsible))),
        f("PRIORITY", "priority", "crm_enum_activitypriority", "Приоритет", |a: &Activity, _| Val::Int(i64::from(a.priority))),
        f("NOTIFY_TYPE", "notifyType", "crm_enum_activitynotifytype", "Тип уведомления", |_: &Activity, _| Val::Int(0)),
        f("NOTIFY_VALUE", "notifyValue", "integer", "Уведомление", |_: &Activity, _| Val::Int(0)),
        f("DESCRIPTION", "description", "string", "Описание", |_: &Activity, _| Val::Str(String::new())),
        f("DESCRIPTION_TYPE", "descriptionType", "crm_enum_contenttype", "Тип описания", |_: &Activity, _| Val::Int(1)),
        f("DIRECTION", "direction", "crm_enum_activitydirection", "Направление", |a: &Activity, _| Val::Int(i64::from(a.direction))),
        f("LOCATION", "location", "string", "Место", |_: &Activity, _| Val::Str(String::new())),
        f("SETTINGS", "settings", "object", "Настройки", |_: &Activity, _| Val::Json(json!([]))),
        f("ORIGINATOR_ID", "originatorId", "string", "Источник данных", |_: &Activity, _| Val::Null),
        f("ORIGIN_ID", "originId", "string", "ID в источнике", |a: &Activity, _| if a.kind == ActivityKind::Call { Val::Str(format!("VI_call.{:08x}", a.id)) } else { Val::Null }),
        f("AUTHOR_ID", "authorId", "user", "Автор", |a: &Activity, _| Val::Int(i64::from(a.responsible))),
        f("EDITOR_ID", "editorId", "user", "Редактор", |a: &Activity, _| Val::Int(i64::from(a.responsible))),
        f("IS_INCOMING_CHANNEL", "isIncomingChannel", "char", "Входящий канал", |a: &Activity, _| yn(a.direction == 1 && a.owner_type == LEAD)),
        f("BINDINGS", "bindings", "crm_activity_binding", "Привязки", |a: &Activity, _| {
            let mut items = vec![json!({"OWNER_ID": a.owner_id.to_string(), "OWNER_TYPE_ID": a.owner_type.to_string()})];
            if a.company_id != 0 {
                items.push(json!({"OWNER_ID": a.company_id.to_string(), "OWNER_TYPE_ID": COMPANY.to_string()}));
            }
            Val::Json(json!(items))
        }).explicit(),
        f("COMMUNICATIONS", "communications", "crm_activity_communication", "Коммуникации", |a: &Activity, _| {
            let (ty, value) = match a.kind {
                ActivityKind::Email => ("EMAIL", format!("client{}@mail.example", a.company_id)),
                _ => ("PHONE", phone(a.company_id ^ a.owner_id)),
            };
            Val::Json(json!([{"ID": a.id.to_string(), "TYPE": ty, "VALUE": value, "ENTITY_ID": a.owner_id.to_string(), "ENTITY_TYPE_ID": a.owner_type.to_string()}]))
        }).explicit(),
        f("FILES", "files", "diskfile", "Файлы", |_: &Activity, _| Val::Json(json!([]))).explicit(),
    ]
}

impl Entity for Call {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Call>>> = LazyLock::new(|| {
            vec![
                f("ID", "ID", "integer", "ID", |x: &Call, _| Val::Int(i64::from(x.id))),
                f("CALL_ID", "CALL_ID", "string", "", |x: &Call, _| {
                    Val::Str(format!("externalCall.{:016x}.{}", u64::from(x.phone_seed) << 20 | u64::from(x.id), x.start))
                }),
                f("EXTERNAL_CALL_ID", "EXTERNAL_CALL_ID", "string", "", |_: &Call, _| Val::Null),
                f("CALL_CATEGORY", "CALL_CATEGORY", "string", "", |_: &Call, _| Val::Str("external".into())),
                f("PORTAL_USER_ID", "PORTAL_USER_ID", "integer", "", |x: &Call, _| Val::Int(i64::from(x.user))),
                f("PORTAL_NUMBER", "PORTAL_NUMBER", "string", "", |_: &Call, _| Val::Str("reg74951234567".into())),
                f("PHONE_NUMBER", "PHONE_NUMBER", "string", "", |x: &Call, _| {
                    Val::Str(phone(x.phone_seed).trim_start_matches('+').to_string())
                }),
                f("CALL_TYPE", "CALL_TYPE", "integer", "", |x: &Call, _| Val::Int(i64::from(x.call_type))),
                f("CALL_DURATION", "CALL_DURATION", "integer", "", |x: &Call, _| Val::Int(i64::from(x.duration))),
                f("CALL_START_DATE", "CALL_START_DATE", "datetime", "", |x: &Call, _| Val::Time(x.start)),
                f("CALL_RECORD_URL", "CALL_RECORD_URL", "string", "", |_: &Call, _| Val::Str(String::new())),
                f("CALL_VOTE", "CALL_VOTE", "integer", "", |x: &Call, _| {
                    if x.failed_code == 200 { Val::Int(i64::from(3 + x.id % 3)) } else { Val::Null }
                }),
                f("COST", "COST", "double", "", |x: &Call, _| Val::Str(format!("{}.0000", x.duration.div_ceil(60)))),
                f("COST_CURRENCY", "COST_CURRENCY", "string", "", |_: &Call, _| Val::Str("RUR".into())),
                f("CALL_FAILED_CODE", "CALL_FAILED_CODE", "string", "", |x: &Call, _| Val::Str(x.failed_code.to_string())),
                f("CALL_FAILED_REASON", "CALL_FAILED_REASON", "string", "", |x: &Call, _| {
                    Val::Str(
                        match x.failed_code {
                            200 => "",
                            304 => "Пропущенный звонок",
                            486 => "Занято",
                            603 => "Отклонено",
                            _ => "Ошибка",
                        }
                        .into(),
                    )
                }),
                f("CRM_ENTITY_TYPE", "CRM_ENTITY_TYPE", "string", "", |x: &Call, _| {
                    Val::Str(if x.crm_entity_type == LEAD { "LEAD" } else { "COMPANY" }.into())
                }),
                f("CRM_ENTITY_ID", "CRM_ENTITY_ID", "integer", "", |x: &Call, _| opt_id(x.crm_entity_id)),
                f("CRM_ACTIVITY_ID", "CRM_ACTIVITY_ID", "integer", "", |x: &Call, _| Val::Int(i64::from(x.activity_id))),
                f("REST_APP_ID", "REST_APP_ID", "integer", "", |_: &Call, _| Val::Null),
                f("REST_APP_NAME", "REST_APP_NAME", "string", "", |_: &Call, _| Val::Null),
                f("TRANSCRIPT_PENDING", "TRANSCRIPT_PENDING", "char", "", |_: &Call, _| yn(false)),
                f("SESSION_ID", "SESSION_ID", "integer", "", |x: &Call, _| Val::Int(i64::from(x.id) * 10 + 7)),
                f("REDIAL_ATTEMPT", "REDIAL_ATTEMPT", "integer", "", |_: &Call, _| Val::Null),
                f("COMMENT", "COMMENT", "string", "", |_: &Call, _| Val::Null),
                f("RECORD_DURATION", "RECORD_DURATION", "integer", "", |x: &Call, _| {
                    if x.failed_code == 200 { Val::Int(i64::from(x.duration)) } else { Val::Null }
                }),
                // An int even in this string family: a real quirk.
                f("RECORD_FILE_ID", "RECORD_FILE_ID", "integer", "", |x: &Call, _| {
                    if x.failed_code == 200 { Val::Json(json!(9000 + x.id)) } else { Val::Null }
                }),
            ]
        });
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        true
    }
}

impl Entity for Task {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Task>>> = LazyLock::new(|| {
            vec![
                f("ID", "id", "integer", "ID", |t: &Task, _| Val::Int(i64::from(t.id))),
                f("TITLE", "title", "string", "Название", |t: &Task, _| {
                    Val::Str(names::TASK_TITLES[t.title as usize % names::TASK_TITLES.len()].into())
                }),
                f("STATUS", "status", "integer", "Статус", |t: &Task, _| Val::Int(i64::from(t.status))),
                f("REAL_STATUS", "realStatus", "integer", "Статус", |t: &Task, _| Val::Int(i64::from(t.status))).explicit(),
                f("SUB_STATUS", "subStatus", "integer", "Мета-статус", |t: &Task, c| {
                    Val::Int(if t.closed.is_none() && t.deadline < c.generated_at { -1 } else { i64::from(t.status) })
                }),
                f("PRIORITY", "priority", "integer", "Приоритет", |_: &Task, _| Val::Int(1)),
                f("RESPONSIBLE_ID", "responsibleId", "user", "Исполнитель", |t: &Task, _| Val::Int(i64::from(t.responsible))),
                f("CREATED_BY", "createdBy", "user", "Постановщик", |t: &Task, _| Val::Int(i64::from(t.created_by))),
                f("CREATED_DATE", "createdDate", "datetime", "Создана", |t: &Task, _| Val::Time(t.created)),
                f("CHANGED_DATE", "changedDate", "datetime", "Изменена", |t: &Task, _| Val::Time(t.changed)),
                f("CLOSED_BY", "closedBy", "user", "Кем закрыта", |t: &Task, _| {
                    Val::Int(if t.closed.is_some() { i64::from(t.responsible) } else { 0 })
                }),
                f("CLOSED_DATE", "closedDate", "datetime", "Закрыта", |t: &Task, _| t.closed.map(Val::Time).unwrap_or(Val::Null)),
                f("DEADLINE", "deadline", "datetime", "Крайний срок", |t: &Task, _| Val::Time(t.deadline)),
                f("GROUP_ID", "groupId", "integer", "Проект", |_: &Task, _| Val::Int(0)),
                f("UF_CRM_TASK", "ufCrmTask", "crm", "Элементы CRM", |t: &Task, _| {
                    Val::Json(match t.crm {
                        Some((ty, id)) => json!([format!("{}_{id}", if ty == LEAD { "L" } else { "D" })]),
                        None => json!([]),
                    })
                })
                .uf(),
            ]
        });
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        !self.deleted
    }
}

impl Entity for Comment {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<Comment>>> = LazyLock::new(|| {
            vec![
                f("ID", "ID", "integer", "ID", |m: &Comment, _| Val::Int(i64::from(m.id))),
                f("ENTITY_ID", "ENTITY_ID", "integer", "", |m: &Comment, _| Val::Int(i64::from(m.entity_id))),
                f("ENTITY_TYPE", "ENTITY_TYPE", "string", "", |m: &Comment, _| {
                    Val::Str(if m.entity_type == LEAD { "lead" } else { "deal" }.into())
                }),
                f("CREATED", "CREATED", "datetime", "", |m: &Comment, _| Val::Time(m.created)),
                f("COMMENT", "COMMENT", "string", "", |m: &Comment, _| {
                    Val::Str(names::COMMENTS[m.text as usize % names::COMMENTS.len()].into())
                }),
                f("AUTHOR_ID", "AUTHOR_ID", "user", "", |m: &Comment, _| Val::Int(i64::from(m.author))),
                f("FILES", "FILES", "object", "", |_: &Comment, _| Val::Json(json!({}))),
            ]
        });
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        !self.deleted
    }
}

impl Entity for User {
    fn fields() -> &'static [Field<Self>] {
        static FIELDS: LazyLock<Vec<Field<User>>> = LazyLock::new(|| {
            vec![
                f("ID", "ID", "integer", "", |u: &User, _| Val::Int(i64::from(u.id))),
                f("ACTIVE", "ACTIVE", "boolean", "", |u: &User, _| Val::Json(json!(u.active()))),
                f("NAME", "NAME", "string", "", |u: &User, _| Val::Str(u.name.into())),
                f("LAST_NAME", "LAST_NAME", "string", "", |u: &User, _| Val::Str(u.last_name.into())),
                f("SECOND_NAME", "SECOND_NAME", "string", "", |u: &User, _| Val::Str(u.second_name.into())),
                f("EMAIL", "EMAIL", "string", "", |u: &User, _| Val::Str(u.email.clone())),
                f("LAST_LOGIN", "LAST_LOGIN", "datetime", "", |u: &User, c| match u.fired_days_ago {
                    Some(d) => Val::Time(c.generated_at - i64::from(d) * 86_400 - 3_600),
                    None => Val::Time(c.generated_at - i64::from(u.id) * 977),
                }),
                f("DATE_REGISTER", "DATE_REGISTER", "datetime", "", |u: &User, c| {
                    let d = local_date(c.tz, c.generated_at - i64::from(u.hired_days_ago) * 86_400);
                    Val::Date(d)
                }),
                f("IS_ONLINE", "IS_ONLINE", "char", "", |u: &User, _| yn(u.active() && u.id.is_multiple_of(3))),
                f("WORK_POSITION", "WORK_POSITION", "string", "", |u: &User, _| Val::Str(u.position.into())),
                f("UF_EMPLOYMENT_DATE", "UF_EMPLOYMENT_DATE", "string", "", |_: &User, _| Val::Str(String::new())),
                f("UF_DEPARTMENT", "UF_DEPARTMENT", "integer", "", |u: &User, _| {
                    Val::IntList(u.departments.iter().map(|&d| i64::from(d)).collect())
                }),
                f("UF_PHONE_INNER", "UF_PHONE_INNER", "string", "", |u: &User, _| Val::Str((100 + u.id).to_string())),
                f("USER_TYPE", "USER_TYPE", "string", "", |_: &User, _| Val::Str("employee".into())),
                f("TIME_ZONE", "TIME_ZONE", "string", "", |_: &User, _| Val::Str(String::new())),
                // `{}` for an empty map: a real quirk of user.get.
                f("TIMESTAMP_X", "TIMESTAMP_X", "string", "", |_: &User, _| Val::Json(json!({}))),
            ]
        });
        &FIELDS
    }
    fn id(&self) -> u32 {
        self.id
    }
    fn alive(&self) -> bool {
        true
    }
}

/// `UF_CRM_1712040187` enumeration items, for `crm.deal.fields`.
pub fn region_items() -> serde_json::Value {
    json!(REGIONS.iter().enumerate().map(|(i, r)| json!({"ID": (101 + i).to_string(), "VALUE": r})).collect::<Vec<_>>())
}
