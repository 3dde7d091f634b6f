//! The portal's directories: who works there, how the funnels look, which sources and
//! currencies exist. Fixed for every seed, like a real portal's settings; only the history
//! in `generate` depends on the seed.

use super::Semantic;

#[derive(Clone, Debug)]
pub struct Department {
    pub id: u32,
    pub name: &'static str,
    pub sort: u32,
    pub parent: Option<u32>,
    pub head: Option<u32>,
}

/// How a user sells; drives the generator.
#[derive(Clone, Copy, Debug)]
pub struct SellerProfile {
    /// Relative share of incoming leads and deals.
    pub weight: f64,
    /// Probability that a closed deal is won.
    pub win_rate: f64,
    /// Multiplier on the average deal amount.
    pub check: f64,
    /// Multiplier on activity counts.
    pub diligence: f64,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: u32,
    pub name: &'static str,
    pub last_name: &'static str,
    pub second_name: &'static str,
    pub position: &'static str,
    pub departments: Vec<u32>,
    pub admin: bool,
    pub email: String,
    /// Days before "today" the user was hired (registered).
    pub hired_days_ago: u32,
    /// Days before "today" the user was fired, if he was.
    pub fired_days_ago: Option<u32>,
    pub seller: Option<SellerProfile>,
    /// The manager whose last three closed months are records, then the current month drops.
    pub burnout: bool,
}

impl User {
    pub fn active(&self) -> bool {
        self.fired_days_ago.is_none()
    }
    pub fn full_name(&self) -> String {
        format!("{} {}", self.name, self.last_name)
    }
}

#[derive(Clone, Debug)]
pub struct Funnel {
    pub id: u32,
    pub name: &'static str,
    pub sort: u32,
    pub created_days_ago: u32,
}

#[derive(Clone, Debug)]
pub struct Stage {
    pub status_id: String,
    pub name: &'static str,
    pub sort: u32,
    pub semantic: Semantic,
    /// `EXTRA.SEMANTICS`: process, success, failure or apology.
    pub extra: &'static str,
    pub color: &'static str,
    /// Funnel id for deal stages; `None` for lead statuses.
    pub category: Option<u32>,
    pub system: bool,
    /// Position along the funnel among the in-progress stages (0 = first).
    pub step: u8,
}

impl Stage {
    pub fn entity_id(&self) -> String {
        match self.category {
            None => "STATUS".into(),
            Some(0) => "DEAL_STAGE".into(),
            Some(c) => format!("DEAL_STAGE_{c}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Source {
    pub id: &'static str,
    pub name: &'static str,
    pub weight: f64,
    /// Leads from this source carry UTM tags some of the time.
    pub web: bool,
}

#[derive(Clone, Debug)]
pub struct Currency {
    pub code: &'static str,
    pub name: &'static str,
    pub amount_cnt: u32,
    /// Rate for `amount_cnt` units, in ten-thousandths of the base currency.
    pub amount: i64,
    pub base: bool,
    pub sort: u32,
    pub format: &'static str,
}

#[derive(Clone, Debug)]
pub struct Utm {
    pub source: &'static str,
    pub medium: &'static str,
    pub campaign: &'static str,
    pub content: Option<&'static str>,
    pub term: Option<&'static str>,
}

/// A CRM directory that `crm.status.list` can be filtered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusEntity {
    LeadStatus,
    Source,
    DealType,
    DealStage(u32),
}

pub fn departments() -> Vec<Department> {
    let d = |id, name, sort, parent, head| Department { id, name, sort, parent, head };
    vec![
        d(1, "ООО «Интерактивные системы»", 500, None, Some(1)),
        d(2, "Отдел продаж", 500, Some(1), Some(2)),
        d(3, "Группа продаж «Москва»", 500, Some(2), Some(3)),
        d(4, "Группа продаж «Регионы»", 510, Some(2), Some(4)),
        d(5, "Тендерный отдел", 520, Some(2), Some(5)),
        d(6, "Бухгалтерия", 600, Some(1), Some(6)),
        d(7, "Сервисный отдел", 700, Some(1), Some(7)),
        d(8, "Маркетинг", 800, Some(1), Some(8)),
    ]
}

pub fn users() -> Vec<User> {
    let p = |weight, win_rate, check, diligence| Some(SellerProfile { weight, win_rate, check, diligence });
    #[allow(clippy::type_complexity)]
    let rows: Vec<(&str, &str, &str, &str, u32, bool, u32, Option<u32>, Option<SellerProfile>, bool)> = vec![
        ("Андрей", "Волков", "Викторович", "Генеральный директор", 1, true, 2900, None, None, false),
        ("Ольга", "Смирнова", "Игоревна", "Коммерческий директор", 2, false, 2800, None, p(0.3, 0.45, 2.2, 0.6), false),
        ("Дмитрий", "Козлов", "Сергеевич", "Руководитель группы продаж", 3, false, 2500, None, p(0.9, 0.42, 1.3, 0.9), false),
        ("Егор", "Морозов", "Андреевич", "Руководитель группы продаж", 4, false, 2400, None, p(0.9, 0.40, 1.2, 1.0), false),
        ("Наталья", "Павлова", "Олеговна", "Руководитель тендерного отдела", 5, false, 2300, None, p(0.8, 0.33, 2.5, 0.8), false),
        ("Елена", "Васильева", "Петровна", "Главный бухгалтер", 6, false, 2900, None, p(0.12, 0.5, 0.6, 0.3), false),
        ("Сергей", "Новиков", "Александрович", "Руководитель сервисного отдела", 7, false, 2200, None, p(0.25, 0.55, 0.5, 0.6), false),
        ("Мария", "Фёдорова", "Дмитриевна", "Маркетолог", 8, false, 1500, None, None, false),
        ("Роман", "Соколов", "Евгеньевич", "Менеджер по продажам", 3, false, 2000, None, p(1.2, 0.44, 1.1, 1.3), true),
        ("Иван", "Лебедев", "Николаевич", "Менеджер по продажам", 3, false, 1900, None, p(1.1, 0.38, 1.0, 1.1), false),
        ("Алексей", "Попов", "Владимирович", "Менеджер по продажам", 3, false, 1700, None, p(1.0, 0.30, 0.9, 0.7), false),
        ("Никита", "Кузнецов", "Артёмович", "Менеджер по продажам", 3, false, 1200, None, p(0.9, 0.27, 0.8, 1.4), false),
        ("Анна", "Зайцева", "Михайловна", "Менеджер по продажам", 3, false, 1600, None, p(1.0, 0.47, 1.05, 1.0), false),
        ("Павел", "Орлов", "Геннадьевич", "Менеджер по продажам", 3, false, 1800, Some(300), p(0.9, 0.25, 0.9, 0.5), false),
        ("Артём", "Белов", "Романович", "Менеджер по продажам", 4, false, 2100, None, p(1.1, 0.41, 1.0, 1.0), false),
        ("Кирилл", "Егоров", "Денисович", "Менеджер по продажам", 4, false, 1500, None, p(1.0, 0.36, 0.85, 0.9), false),
        ("Михаил", "Степанов", "Юрьевич", "Менеджер по продажам", 4, false, 1400, None, p(0.9, 0.33, 1.2, 0.8), false),
        ("Виктория", "Никитина", "Сергеевна", "Менеджер по продажам", 4, false, 1300, None, p(1.0, 0.43, 0.95, 1.2), false),
        ("Денис", "Макаров", "Ильич", "Менеджер по продажам", 4, false, 900, None, p(0.8, 0.29, 0.8, 1.0), false),
        ("Юлия", "Андреева", "Валерьевна", "Менеджер по продажам", 4, false, 200, None, p(0.7, 0.31, 0.9, 1.1), false),
        ("Татьяна", "Алексеева", "Борисовна", "Специалист по тендерам", 5, false, 2000, None, p(0.8, 0.30, 2.8, 0.7), false),
        ("Максим", "Григорьев", "Олегович", "Специалист по тендерам", 5, false, 1700, None, p(0.8, 0.28, 3.0, 0.6), false),
        ("Светлана", "Романова", "Андреевна", "Специалист по тендерам", 5, false, 1100, None, p(0.7, 0.34, 2.4, 0.8), false),
        ("Олег", "Воробьёв", "Павлович", "Специалист по тендерам", 5, false, 600, None, p(0.6, 0.26, 2.6, 0.9), false),
        ("Ирина", "Жукова", "Витальевна", "Бухгалтер", 6, false, 2600, None, p(0.08, 0.55, 0.5, 0.3), false),
        ("Людмила", "Комарова", "Фёдоровна", "Бухгалтер", 6, false, 1000, None, None, false),
        ("Владимир", "Захаров", "Степанович", "Сервисный инженер", 7, false, 2400, None, p(0.2, 0.6, 0.4, 0.5), false),
        ("Антон", "Крылов", "Максимович", "Сервисный инженер", 7, false, 1600, None, p(0.2, 0.58, 0.45, 0.5), false),
        ("Игорь", "Гусев", "Леонидович", "Инженер по монтажу", 7, false, 800, None, p(0.15, 0.55, 0.4, 0.4), false),
        ("Ксения", "Титова", "Андреевна", "Интернет-маркетолог", 8, false, 700, None, None, false),
        ("Константин", "Борисов", "Евгеньевич", "Системный администратор", 1, true, 2700, None, None, false),
        ("Алина", "Медведева", "Руслановна", "Офис-менеджер", 1, false, 500, None, None, false),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(i, (name, last_name, second_name, position, dept, admin, hired, fired, seller, burnout))| {
            let id = i as u32 + 1;
            User {
                id,
                name,
                last_name,
                second_name,
                position,
                departments: vec![dept],
                admin,
                email: format!("user{id}@interactive-systems.example"),
                hired_days_ago: hired,
                fired_days_ago: fired,
                seller,
                burnout,
            }
        })
        .collect()
}

pub fn funnels() -> Vec<Funnel> {
    vec![
        Funnel { id: 0, name: "Продажи оборудования", sort: 100, created_days_ago: 3000 },
        Funnel { id: 1, name: "Сервис и монтаж", sort: 200, created_days_ago: 1500 },
    ]
}

pub fn deal_stages() -> Vec<Stage> {
    use Semantic::*;
    let s = |id: &str, name, sort, semantic, extra, color, category, system, step| Stage {
        status_id: id.to_string(),
        name,
        sort,
        semantic,
        extra,
        color,
        category: Some(category),
        system,
        step,
    };
    vec![
        s("NEW", "Новая заявка", 10, Process, "process", "#39A8EF", 0, true, 0),
        s("PREPARATION", "Выявление потребности", 20, Process, "process", "#2FC6F6", 0, false, 1),
        s("PREPAYMENT_INVOICE", "Отправка КП", 30, Process, "process", "#55D0E0", 0, false, 2),
        s("EXECUTING", "Согласование", 40, Process, "process", "#47E4C2", 0, false, 3),
        s("FINAL_INVOICE", "Ожидание оплаты", 50, Process, "process", "#FFA900", 0, false, 4),
        s("UC_Z8K3QF", "Заказ в 1С", 60, Process, "process", "#E5A3FF", 0, false, 5),
        s("UC_M4P7TD", "Комплектация", 70, Process, "process", "#C4B5FD", 0, false, 6),
        s("UC_R2W9XV", "Доставка", 80, Process, "process", "#A3E635", 0, false, 7),
        s("WON", "Сделка успешна", 90, Success, "success", "#7BD500", 0, true, 8),
        s("LOSE", "Сделка провалена", 100, Failure, "failure", "#FF5752", 0, true, 9),
        s("APOLOGY", "Отказ", 110, Failure, "apology", "#FF8B87", 0, false, 9),
        s("C1:NEW", "Новая заявка", 10, Process, "process", "#39A8EF", 1, true, 0),
        s("C1:PREPARATION", "Диагностика", 20, Process, "process", "#2FC6F6", 1, false, 1),
        s("C1:EXECUTING", "Согласование сметы", 30, Process, "process", "#47E4C2", 1, false, 2),
        s("C1:UC_X5K2PJ", "Выполнение работ", 40, Process, "process", "#FFA900", 1, false, 3),
        s("C1:WON", "Работы сданы", 50, Success, "success", "#7BD500", 1, true, 4),
        s("C1:LOSE", "Не договорились", 60, Failure, "failure", "#FF5752", 1, true, 5),
    ]
}

pub fn lead_statuses() -> Vec<Stage> {
    use Semantic::*;
    let s = |id: &str, name, sort, semantic, extra, color, step| Stage {
        status_id: id.to_string(),
        name,
        sort,
        semantic,
        extra,
        color,
        category: None,
        system: true,
        step,
    };
    vec![
        s("NEW", "Не обработан", 10, Process, "process", "#39A8EF", 0),
        s("IN_PROCESS", "В работе", 20, Process, "process", "#2FC6F6", 1),
        s("PROCESSED", "Обработан", 30, Process, "process", "#55D0E0", 2),
        s("CONVERTED", "Качественный лид", 40, Success, "success", "#7BD500", 3),
        s("JUNK", "Некачественный лид", 50, Failure, "failure", "#FF5752", 4),
    ]
}

pub fn sources() -> Vec<Source> {
    let s = |id, name, weight, web| Source { id, name, weight, web };
    vec![
        s("WEBFORM", "CRM-форма", 20.0, true),
        s("CALL", "Звонок", 22.0, false),
        s("EMAIL", "Электронная почта", 12.0, false),
        s("WEB", "Сайт", 15.0, true),
        s("RECOMMENDATION", "По рекомендации", 9.0, false),
        s("UC_AVITO", "Авито", 8.0, true),
        s("UC_TENDER", "Тендер", 12.0, false),
        s("OTHER", "Другое", 2.0, false),
    ]
}

pub fn deal_types() -> Vec<(&'static str, &'static str)> {
    vec![("SALE", "Продажа"), ("COMPLEX", "Комплексная продажа"), ("GOODS", "Продажа товара"), ("SERVICE", "Продажа услуги")]
}

pub fn currencies() -> Vec<Currency> {
    vec![
        Currency {
            code: "RUB", name: "Российский рубль", amount_cnt: 1, amount: 10_000, base: true, sort: 100, format: "# ₽"
        },
        Currency { code: "USD", name: "Доллар США", amount_cnt: 1, amount: 925_000, base: false, sort: 200, format: "$#" },
        Currency { code: "EUR", name: "Евро", amount_cnt: 1, amount: 1_002_000, base: false, sort: 300, format: "# €" },
        Currency {
            code: "KZT", name: "Казахстанский тенге", amount_cnt: 100, amount: 185_000, base: false, sort: 400, format: "# ₸"
        },
    ]
}

pub fn utms() -> Vec<Utm> {
    let u = |source, medium, campaign, content, term| Utm { source, medium, campaign, content, term };
    vec![
        // Index 0 means "no UTM tags".
        u("", "", "", None, None),
        u("yandex", "cpc", "interaktivnye_paneli", Some("poisk"), Some("interaktivnaya panel kupit")),
        u("yandex", "cpc", "shkoly_msk", Some("rsya"), None),
        u("yandex", "cpc", "brand", None, Some("interaktivnye sistemy")),
        u("google", "cpc", "interaktivnye_paneli", None, Some("interactive panel")),
        u("vk", "social", "edu_2025", Some("post"), None),
        u("vk", "social", "vesna_skidki", None, None),
        u("avito", "cpc", "avito_paneli", None, None),
        u("sendpulse", "email", "rassylka_shkoly", Some("pismo_1"), None),
        u("yandex", "organic", "", None, None),
    ]
}
