//! Deterministic generation of a realistic company history from a seed.
//!
//! The same `(seed, deals, today, time zone)` always yields the same company. Generation runs
//! in passes: leads in time order (some convert into deals), direct deals, then every deal's
//! life (stage path, activities, calls, comments, tasks). Ids are assigned in creation order,
//! as a real portal does, by sorting each entity by time before numbering it.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::directory::{self, SellerProfile};
use super::*;

/// How much history the company has, ending at "today".
pub const HISTORY_DAYS: i64 = 900;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// Everything the company is generated from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSettings {
    pub seed: u64,
    pub deals: u32,
    pub today: NaiveDate,
    pub tz: Tz,
}

impl GenSettings {
    /// The snapshot instant: 14:00 of "today" in the portal zone.
    pub fn generated_at(&self) -> i64 {
        local_ts(self.tz, self.today, 14 * HOUR)
    }
}

/// Unix seconds of a local wall-clock time (the earlier one in a DST fold, shifted past a gap).
pub fn local_ts(tz: Tz, date: NaiveDate, seconds_of_day: i64) -> i64 {
    let naive = date.and_time(NaiveTime::MIN) + Duration::seconds(seconds_of_day);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp())
            .unwrap_or_else(|| naive.and_utc().timestamp()),
    }
}

/// Local calendar date of an instant.
pub fn local_date(tz: Tz, ts: i64) -> NaiveDate {
    tz.timestamp_opt(ts, 0).single().map(|t| t.date_naive()).unwrap_or_default()
}

struct Seller {
    user: u32,
    profile: SellerProfile,
    hired: i64,
    fired: Option<i64>,
    department: u32,
    burnout: bool,
}

/// A deal before ids are assigned.
struct DealSeed {
    created: i64,
    lead: Option<u32>,
    source: Option<u8>,
    utm: u16,
    seller: usize,
    company_id: u32,
}

struct Gen<'a> {
    s: &'a GenSettings,
    rng: ChaCha8Rng,
    now: i64,
    start: i64,
    sellers: Vec<Seller>,
    heads: HashMap<u32, u32>,
    clients: Vec<Vec<u32>>,
    next_company: u32,
    activities: Vec<Activity>,
    comments: Vec<Comment>,
    tasks: Vec<Task>,
}

pub fn generate(s: &GenSettings) -> Company {
    let now = s.generated_at();
    let start_date = s.today - Duration::days(HISTORY_DAYS);
    let users = directory::users();
    let departments = directory::departments();
    let heads = departments.iter().filter_map(|d| d.head.map(|h| (d.id, h))).collect();
    let sellers: Vec<Seller> = users
        .iter()
        .filter_map(|u| {
            u.seller.map(|profile| Seller {
                user: u.id,
                profile,
                hired: now - i64::from(u.hired_days_ago) * DAY,
                fired: u.fired_days_ago.map(|d| now - i64::from(d) * DAY),
                department: u.departments[0],
                burnout: u.burnout,
            })
        })
        .collect();
    let mut g = Gen {
        s,
        rng: ChaCha8Rng::seed_from_u64(s.seed),
        now,
        start: local_ts(s.tz, start_date, 0),
        clients: vec![Vec::new(); sellers.len()],
        sellers,
        heads,
        next_company: 1,
        activities: Vec::new(),
        comments: Vec::new(),
        tasks: Vec::new(),
    };
    let mut company = Company {
        seed: s.seed,
        tz: s.tz,
        generated_at: now,
        users,
        departments,
        funnels: directory::funnels(),
        stages: directory::deal_stages(),
        lead_statuses: directory::lead_statuses(),
        sources: directory::sources(),
        deal_types: directory::deal_types(),
        currencies: directory::currencies(),
        utms: directory::utms(),
        leads: Vec::new(),
        deals: Vec::new(),
        deal_history: Vec::new(),
        lead_history: Vec::new(),
        activities: Vec::new(),
        calls: Vec::new(),
        tasks: Vec::new(),
        comments: Vec::new(),
        comments_by_entity: HashMap::new(),
    };

    let lead_count = (f64::from(s.deals) * 1.25).round() as u32;
    let mut seeds = g.leads(&mut company, lead_count);
    let direct = s.deals.saturating_sub(seeds.len() as u32);
    g.direct_deals(&company, direct, &mut seeds);
    seeds.sort_by_key(|d| d.created);
    seeds.truncate(s.deals as usize);
    g.deals(&mut company, seeds);
    g.burnout_records(&mut company);
    g.finish(&mut company);
    company
}

impl Gen<'_> {
    fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// Day-by-day allocation of `total` events: growth, B2G seasonality, weekends, holidays.
    fn day_counts(&self, total: u32) -> Vec<(NaiveDate, u32)> {
        let days: Vec<NaiveDate> = (0..=HISTORY_DAYS).map(|i| self.s.today - Duration::days(HISTORY_DAYS - i)).collect();
        let weights: Vec<f64> = days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let trend = 1.0 + 0.5 * i as f64 / HISTORY_DAYS as f64;
                let season = [0.55, 0.8, 1.0, 1.0, 0.9, 0.85, 0.75, 0.95, 1.1, 1.1, 1.2, 1.45][d.month0() as usize];
                let weekday = match d.weekday() {
                    Weekday::Sat => 0.12,
                    Weekday::Sun => 0.06,
                    _ => 1.0,
                };
                let holiday = if d.month() == 1 && d.day() <= 8 { 0.1 } else { 1.0 };
                // Today is only half over.
                let partial = if *d == self.s.today { 0.5 } else { 1.0 };
                trend * season * weekday * holiday * partial
            })
            .collect();
        let sum: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut given = 0u32;
        days.into_iter()
            .zip(weights)
            .map(|(d, w)| {
                acc += w;
                let upto = ((acc / sum) * f64::from(total)).round() as u32;
                let n = upto.min(total) - given;
                given += n;
                (d, n)
            })
            .collect()
    }

    /// `n` sorted instants within a day, mostly in working hours, never after now.
    fn times_in_day(&mut self, date: NaiveDate, n: u32) -> Vec<i64> {
        let day_start = local_ts(self.s.tz, date, 0);
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                let secs = if self.uniform() < 0.88 {
                    self.rng.random_range(9 * HOUR..19 * HOUR)
                } else {
                    self.rng.random_range(7 * HOUR..23 * HOUR)
                };
                (day_start + secs).min(self.now - 60)
            })
            .collect();
        times.sort_unstable();
        times
    }

    fn pick_seller(&mut self, t: i64) -> usize {
        let total: f64 = self.sellers.iter().filter(|s| s.works_at(t)).map(|s| s.profile.weight).sum();
        let mut x = self.uniform() * total;
        let mut last = 0;
        for (i, s) in self.sellers.iter().enumerate() {
            if !s.works_at(t) {
                continue;
            }
            last = i;
            x -= s.profile.weight;
            if x <= 0.0 {
                return i;
            }
        }
        last
    }

    fn pick_source(&mut self, sources: &[Source], direct: bool) -> Option<u8> {
        if self.uniform() < 0.03 {
            return None;
        }
        let weight = |s: &Source| match (direct, s.id) {
            (false, _) => s.weight,
            (true, "CALL") => 30.0,
            (true, "EMAIL") => 20.0,
            (true, "RECOMMENDATION") => 20.0,
            (true, "UC_TENDER") => 25.0,
            (true, "OTHER") => 5.0,
            (true, _) => 0.0,
        };
        let total: f64 = sources.iter().map(weight).sum();
        let mut x = self.uniform() * total;
        for (i, s) in sources.iter().enumerate() {
            x -= weight(s);
            if x <= 0.0 && weight(s) > 0.0 {
                return Some(i as u8);
            }
        }
        Some(0)
    }

    /// A new client, or (a quarter of the time) one this seller already worked with.
    fn pick_client(&mut self, seller: usize) -> u32 {
        let reuse = self.uniform() < 0.25;
        let known = self.clients[seller].len();
        if known > 0 && reuse {
            let i = self.rng.random_range(0..known);
            return self.clients[seller][i];
        }
        let id = self.next_company;
        self.next_company += 1;
        let known = &mut self.clients[seller];
        if known.len() >= 60 {
            known.remove(0);
        }
        known.push(id);
        id
    }

    fn leads(&mut self, c: &mut Company, total: u32) -> Vec<DealSeed> {
        let idx = |id: &str| c.lead_status_index(id).expect("lead status");
        let (st_new, st_work, st_done, st_conv, st_junk) = (idx("NEW"), idx("IN_PROCESS"), idx("PROCESSED"), idx("CONVERTED"), idx("JUNK"));
        let first_touch = LogNormal::new((1.5 * HOUR as f64).ln(), 1.1).expect("valid");
        let close_delay = Exp::new(1.0 / (1.5 * DAY as f64)).expect("valid");
        let mut seeds = Vec::new();
        let mut next_id = 1u32;
        for (date, n) in self.day_counts(total) {
            for t in self.times_in_day(date, n) {
                let id = next_id;
                next_id += 1;
                let source = self.pick_source(&c.sources, false);
                let web = source.map(|s| c.sources[s as usize].web).unwrap_or(false);
                let utm = if web && self.uniform() < 0.7 {
                    self.rng.random_range(1..=8)
                } else if source.map(|s| c.sources[s as usize].id == "WEB").unwrap_or(false) {
                    9
                } else {
                    0
                };
                let seller = self.pick_seller(t);
                let user = self.sellers[seller].user;
                let touch = if self.uniform() < 0.08 {
                    self.rng.random_range(DAY..3 * DAY)
                } else {
                    (first_touch.sample(&mut self.rng) as i64).clamp(120, 2 * DAY)
                };
                let close = touch + close_delay.sample(&mut self.rng) as i64 + 600;
                let roll = self.uniform();
                let mut history = vec![(t, st_new, 1u8)];
                let mut status = st_new;
                let mut closed = None;
                let mut last_touch = t;
                if t + touch <= self.now {
                    status = st_work;
                    history.push((t + touch, st_work, 2));
                    last_touch = t + touch;
                    let extra = u32::from(self.uniform() < 0.4);
                    self.lead_activity(id, user, t + touch, true);
                    for _ in 0..extra {
                        let at = t + touch + self.rng.random_range(0..(close - touch).max(60));
                        if at <= self.now {
                            self.lead_activity(id, user, at, false);
                            last_touch = last_touch.max(at);
                        }
                    }
                    if roll >= 0.93 {
                        // Never finished: a forgotten lead once it is old enough.
                        if t + close <= self.now {
                            status = st_done;
                            history.push((t + close, st_done, 2));
                        }
                    } else if t + close <= self.now {
                        let converted = roll < 0.48;
                        status = if converted { st_conv } else { st_junk };
                        history.push((t + close, status, 3));
                        closed = Some(t + close);
                        if converted {
                            let company_id = self.pick_client(seller);
                            seeds.push(DealSeed { created: t + close + 30, lead: Some(id), source, utm, seller, company_id });
                        }
                    }
                }
                let moved = history.last().map(|h| h.0).unwrap_or(t);
                for (time, stage, type_id) in history {
                    c.lead_history.push(StageEvent { id: 0, owner_id: id, type_id, time, stage });
                }
                let opportunity = self.rng.random_range(0..40) * 10_000 * 100;
                c.leads.push(Lead {
                    id,
                    status,
                    source,
                    utm,
                    assigned_by: user,
                    created_by: user,
                    modify_by: user,
                    created: t,
                    modified: (moved + self.rng.random_range(0..HOUR)).min(self.now),
                    moved,
                    closed,
                    last_activity: Some((last_touch, user)),
                    opportunity,
                    name_seed: self.rng.random_range(0..u32::MAX),
                    company_id: 0,
                    is_return: false,
                    deleted: false,
                });
            }
        }
        // Converted leads name the client they became.
        for seed in &seeds {
            if let Some(lead) = seed.lead {
                c.leads[lead as usize - 1].company_id = seed.company_id;
            }
        }
        seeds
    }

    fn lead_activity(&mut self, lead: u32, user: u32, at: i64, first: bool) {
        let kind = if first || self.uniform() < 0.7 { ActivityKind::Call } else { ActivityKind::Email };
        let activity = self.activity(LEAD, lead, 0, user, kind, at, 1.0);
        self.activities.push(activity);
    }

    fn direct_deals(&mut self, c: &Company, total: u32, seeds: &mut Vec<DealSeed>) {
        for (date, n) in self.day_counts(total) {
            for t in self.times_in_day(date, n) {
                let seller = self.pick_seller(t);
                let source = self.pick_source(&c.sources, true);
                let company_id = self.pick_client(seller);
                seeds.push(DealSeed { created: t, lead: None, source, utm: 0, seller, company_id });
            }
        }
    }

    fn deals(&mut self, c: &mut Company, seeds: Vec<DealSeed>) {
        let mut seen_clients = HashSet::new();
        let amount_dist = LogNormal::new((260_000f64).ln(), 0.85).expect("valid");
        let quick = Exp::new(1.0 / 9.0).expect("valid");
        for (i, seed) in seeds.into_iter().enumerate() {
            let id = i as u32 + 1;
            let seller = &self.sellers[seed.seller];
            let (user, profile, department, burnout) = (seller.user, seller.profile, seller.department, seller.burnout);
            let service = department == 7 || department == 6;
            let category = if (department == 7 && self.uniform() < 0.8) || self.uniform() < 0.08 { 1 } else { 0 };
            let is_return = !seen_clients.insert(seed.company_id);
            let source_id = seed.source.map(|s| c.sources[s as usize].id);
            let tender = source_id == Some("UC_TENDER");
            let type_idx = if category == 1 {
                if self.uniform() < 0.8 { 3 } else { 0 }
            } else {
                let r = self.uniform();
                if r < 0.5 {
                    0
                } else if r < 0.7 {
                    1
                } else if r < 0.9 {
                    2
                } else {
                    3
                }
            };

            // Amount in rubles (kopecks), then in the deal currency.
            let mut rub = amount_dist.sample(&mut self.rng) * profile.check;
            if category == 1 || service {
                rub *= 0.3;
            }
            if tender {
                rub *= 1.8;
            }
            let rub = (rub.clamp(15_000.0, 15_000_000.0) / 100.0).round() * 100.0;
            let mut kopecks = (rub as i64) * 100;
            if self.uniform() < 0.1 {
                kopecks += self.rng.random_range(1..100);
            }
            let r = self.uniform();
            let currency = if r < 0.975 {
                0
            } else if r < 0.987 {
                1
            } else if r < 0.995 {
                2
            } else {
                3
            };
            let cur = &c.currencies[currency as usize];
            let opportunity = if currency == 0 {
                kopecks
            } else {
                // value_in_base = value × AMOUNT / AMOUNT_CNT, so value = base × AMOUNT_CNT / AMOUNT.
                (kopecks as i128 * i128::from(cur.amount_cnt) * 10_000 / i128::from(cur.amount)) as i64
            };

            // Cycle: most deals close within a month, a tail runs for a year or more.
            let r = self.uniform();
            let cycle_days = if r < 0.55 {
                0.05 + quick.sample(&mut self.rng)
            } else if r < 0.85 {
                self.rng.random_range(20.0..120.0)
            } else if r < 0.96 {
                self.rng.random_range(120.0..300.0)
            } else {
                self.rng.random_range(300.0..600.0)
            };
            let created = seed.created;
            let close = created + (cycle_days * DAY as f64) as i64;
            let open = close > self.now;
            let mut win_rate = profile.win_rate * if tender { 0.8 } else { 1.0 };
            if burnout {
                let months_back = months_between(self.s.tz, close, self.now);
                if (1..=3).contains(&months_back) {
                    win_rate = 0.85;
                } else if months_back == 0 {
                    win_rate *= 0.3;
                }
            }
            let won = !open && self.uniform() < win_rate;
            let stall_at = if open && self.now - created > 20 * DAY && self.uniform() < 0.35 {
                Some(created + ((self.now - created) as f64 * self.rng.random_range(0.15..0.6)) as i64)
            } else {
                None
            };
            let active_end = if open { stall_at.unwrap_or(self.now) } else { close };

            // Stage path.
            let stage_ids: Vec<u16> = (0..c.stages.len() as u16).filter(|&s| c.stages[s as usize].category == Some(category)).collect();
            let first = stage_ids[0];
            let inter: Vec<u16> =
                stage_ids.iter().copied().filter(|&s| c.stages[s as usize].semantic == Semantic::Process && s != first).collect();
            let won_stage = stage_ids.iter().copied().find(|&s| c.stages[s as usize].semantic == Semantic::Success).expect("won");
            let lost: Vec<u16> = stage_ids.iter().copied().filter(|&s| c.stages[s as usize].semantic == Semantic::Failure).collect();
            let reach = if open || won { inter.len() } else { self.rng.random_range(0..=inter.len()) };
            let mut path: Vec<u16> =
                inter[..reach].iter().copied().filter(|&s| c.stages[s as usize].step >= 4 || self.uniform() > 0.2).collect();
            if path.len() >= 3 && self.uniform() < 0.04 {
                // A step back and forward again, as real managers do.
                let k = self.rng.random_range(2..path.len());
                let (back, fwd) = (path[k - 1], path[k]);
                path.insert(k + 1, back);
                path.insert(k + 2, fwd);
            }
            if !open {
                let fin = if won {
                    won_stage
                } else if lost.len() > 1 && self.uniform() < 0.2 {
                    lost[1]
                } else {
                    lost[0]
                };
                path.push(fin);
            }
            let mut weights: Vec<f64> = (0..=path.len()).map(|_| 0.2 + self.uniform()).collect();
            let wsum: f64 = weights.iter().sum();
            let span = (close - created).max(60) as f64;
            let mut acc = 0.0;
            let mut moves = vec![(created, first, 1u8)];
            weights.pop();
            for (stage, w) in path.iter().zip(&weights) {
                acc += w / wsum;
                let at = created + (span * acc) as i64;
                if at > active_end.min(self.now) {
                    break;
                }
                let final_stage = c.stages[*stage as usize].semantic != Semantic::Process;
                let at = if final_stage { close } else { at };
                moves.push((at, *stage, if final_stage { 3 } else { 2 }));
            }
            let (moved, stage, _) = *moves.last().expect("created row");
            for &(time, stage, type_id) in &moves {
                c.deal_history.push(StageEvent { id: 0, owner_id: id, type_id, time, stage });
            }

            // Activities, comments, tasks during the deal's active life.
            let mut last_touch = (created, user);
            let life_days = (active_end - created) as f64 / DAY as f64;
            let n = ((1.0 + life_days / 8.0) * profile.diligence * self.rng.random_range(0.6..1.4)).round().clamp(1.0, 12.0) as u32;
            for _ in 0..n {
                let at = created + self.rng.random_range(0..(active_end - created).max(1));
                let kind = self.pick_kind(category == 0 && rub > 150_000.0);
                let activity = self.activity(DEAL, id, seed.company_id, user, kind, at, profile.diligence);
                if activity.created > last_touch.0 {
                    last_touch = (activity.created, user);
                }
                self.activities.push(activity);
            }
            if open && stall_at.is_none() && self.uniform() < 0.55 + 0.2 * profile.diligence.min(1.5) {
                let kind = if self.uniform() < 0.6 { ActivityKind::Todo } else { ActivityKind::Call };
                let created_at = self.now - self.rng.random_range(0..3 * DAY);
                let start = self.now + self.rng.random_range(HOUR..7 * DAY);
                let subject = self.subject(kind, 0);
                self.activities.push(Activity {
                    id: 0,
                    owner_type: DEAL,
                    owner_id: id,
                    kind,
                    direction: if kind == ActivityKind::Call { 2 } else { 0 },
                    created: created_at.max(created),
                    last_updated: created_at.max(created),
                    start,
                    end: start + 30 * 60,
                    completed: false,
                    responsible: user,
                    subject,
                    company_id: seed.company_id,
                    priority: 2,
                    call: None,
                    deleted: false,
                });
            }
            if self.uniform() < 0.55 {
                let k = 1 + (self.uniform() * self.uniform() * 4.0) as u32;
                for _ in 0..k {
                    let at = created + self.rng.random_range(0..(active_end - created).max(1));
                    let author = if self.uniform() < 0.8 { user } else { self.heads.get(&department).copied().unwrap_or(user) };
                    if at > last_touch.0 {
                        last_touch = (at, author);
                    }
                    let text = self.rng.random_range(0..names::COMMENTS.len()) as u16;
                    self.comments.push(Comment { id: 0, entity_type: DEAL, entity_id: id, created: at, author, text, deleted: false });
                }
            }
            if self.uniform() < 0.3 {
                for _ in 0..self.rng.random_range(1..=2) {
                    let at = created + self.rng.random_range(0..(active_end - created).max(1));
                    let task = self.task(Some((DEAL, id)), user, at, active_end);
                    self.tasks.push(task);
                }
            }

            let probability = if open {
                Some((c.stages[stage as usize].step * 12 + 10).min(90))
            } else if won {
                Some(100)
            } else if self.uniform() < 0.5 {
                None
            } else {
                Some(0)
            };
            let closedate = if open { created + ((cycle_days.max(30.0)) * DAY as f64) as i64 } else { close };
            c.deals.push(Deal {
                id,
                category: category as u8,
                stage,
                type_idx,
                source: seed.source,
                utm: seed.utm,
                assigned_by: user,
                created_by: user,
                modify_by: user,
                moved_by: user,
                created,
                modified: (moved.max(created) + self.rng.random_range(0..2 * HOUR)).min(self.now),
                moved,
                begindate: created,
                closedate,
                last_activity: Some(last_touch),
                opportunity,
                currency,
                lead_id: seed.lead.unwrap_or(0),
                company_id: seed.company_id,
                is_return,
                repeated_approach: is_return && self.uniform() < 0.1,
                probability,
                region: (seed.company_id % 8) as u8 + 1,
                tender_no: tender.then(|| 3_732_000 + id * 7 % 99_991),
                title_seed: seed.company_id,
                deleted: false,
            });
        }
        // A few standalone tasks without CRM bindings.
        let standalone = (c.deals.len() / 40).max(3);
        for _ in 0..standalone {
            let seller = self.rng.random_range(0..self.sellers.len());
            let user = self.sellers[seller].user;
            let at = self.start + self.rng.random_range(0..(self.now - self.start));
            let task = self.task(None, user, at, self.now);
            self.tasks.push(task);
        }
    }

    fn pick_kind(&mut self, meetings: bool) -> ActivityKind {
        let r = self.uniform();
        if r < 0.55 {
            ActivityKind::Call
        } else if r < 0.75 {
            ActivityKind::Email
        } else if r < 0.82 && meetings {
            ActivityKind::Meeting
        } else {
            ActivityKind::Todo
        }
    }

    fn subject(&mut self, kind: ActivityKind, call_pick: u16) -> u16 {
        match kind {
            ActivityKind::Call => call_pick,
            ActivityKind::Email => self.rng.random_range(0..names::EMAIL_SUBJECTS.len()) as u16,
            ActivityKind::Meeting => self.rng.random_range(0..names::MEETING_SUBJECTS.len()) as u16,
            ActivityKind::Todo => self.rng.random_range(0..names::TODO_SUBJECTS.len()) as u16,
        }
    }

    /// A past activity at `at` (never after now).
    #[allow(clippy::too_many_arguments)]
    fn activity(
        &mut self,
        owner_type: u8,
        owner_id: u32,
        company_id: u32,
        user: u32,
        kind: ActivityKind,
        at: i64,
        diligence: f64,
    ) -> Activity {
        let at = at.min(self.now - 30);
        let mut direction = 0;
        let mut call = None;
        let (mut start, mut end, mut completed) = (at, at, true);
        let subject;
        match kind {
            ActivityKind::Call => {
                let outgoing = self.uniform() < 0.7;
                direction = if outgoing { 2 } else { 1 };
                let r = self.uniform();
                let failed_code = if outgoing {
                    if r < 0.66 {
                        200
                    } else if r < 0.78 {
                        486
                    } else if r < 0.84 {
                        603
                    } else {
                        304
                    }
                } else if r < 0.85 {
                    200
                } else {
                    304
                };
                let duration = if failed_code == 200 {
                    let median: f64 = if self.uniform() < 0.15 { 12.0 } else { 140.0 * diligence.clamp(0.5, 1.5) };
                    (LogNormal::new(median.ln(), 0.7).expect("valid").sample(&mut self.rng) as u32).clamp(3, 3_600)
                } else {
                    0
                };
                subject = if failed_code == 304 && !outgoing {
                    2
                } else if outgoing {
                    0
                } else {
                    1
                };
                end = at + i64::from(duration);
                call = Some(CallOutcome { duration, failed_code });
            }
            ActivityKind::Email => {
                direction = if self.uniform() < 0.6 { 2 } else { 1 };
                subject = self.subject(kind, 0);
            }
            ActivityKind::Meeting | ActivityKind::Todo => {
                subject = self.subject(kind, 0);
                start = at + self.rng.random_range(HOUR..3 * DAY);
                end = start + if kind == ActivityKind::Meeting { 2 * HOUR } else { 30 * 60 };
                completed = start < self.now && self.uniform() < 0.92;
            }
        }
        let last_updated = if completed { end.max(at).min(self.now) } else { at };
        Activity {
            id: 0,
            owner_type,
            owner_id,
            kind,
            direction,
            created: at,
            last_updated,
            start,
            end,
            completed,
            responsible: user,
            subject,
            company_id,
            priority: 2,
            call,
            deleted: false,
        }
    }

    fn task(&mut self, crm: Option<(u8, u32)>, user: u32, at: i64, active_end: i64) -> Task {
        let at = at.min(self.now - 60);
        let deadline = at + self.rng.random_range(DAY..5 * DAY);
        let done = (deadline < self.now || active_end < self.now) && self.uniform() < 0.85;
        let closed = done.then(|| (at + self.rng.random_range(HOUR..4 * DAY)).min(self.now - 30));
        let status = if done {
            5
        } else if self.uniform() < 0.5 {
            2
        } else {
            3
        };
        Task {
            id: 0,
            title: self.rng.random_range(0..names::TASK_TITLES.len()) as u16,
            responsible: user,
            created_by: user,
            created: at,
            changed: closed.unwrap_or(at),
            deadline,
            closed,
            status,
            crm,
            deleted: false,
        }
    }

    /// The burnout manager: each of the last three closed months beats his previous best.
    fn burnout_records(&mut self, c: &mut Company) {
        let Some(user) = c.users.iter().find(|u| u.burnout).map(|u| u.id) else { return };
        let tz = self.s.tz;
        let now = self.now;
        let won_time: HashMap<u32, i64> = c
            .deal_history
            .iter()
            .filter(|h| h.type_id == 3 && c.stages[h.stage as usize].semantic == Semantic::Success)
            .map(|h| (h.owner_id, h.time))
            .collect();
        let rate = |d: &Deal| {
            let cur = &c.currencies[d.currency as usize];
            d.opportunity as f64 * cur.amount as f64 / (cur.amount_cnt as f64 * 10_000.0)
        };
        let mut by_month: HashMap<u32, f64> = HashMap::new();
        for d in c.deals.iter().filter(|d| d.assigned_by == user) {
            if let Some(&t) = won_time.get(&d.id) {
                *by_month.entry(months_between(tz, t, now)).or_default() += rate(d);
            }
        }
        let mut best = by_month.iter().filter(|(m, _)| **m > 3).map(|(_, v)| *v).fold(0.0, f64::max);
        for back in [3u32, 2, 1] {
            let sum = by_month.get(&back).copied().unwrap_or(0.0);
            if sum <= 0.0 {
                continue;
            }
            let target = (best * 1.12).max(sum);
            let factor = target / sum;
            for d in c.deals.iter_mut().filter(|d| d.assigned_by == user) {
                if won_time.get(&d.id).map(|&t| months_between(tz, t, now)) == Some(back) {
                    d.opportunity = (d.opportunity as f64 * factor).round() as i64;
                }
            }
            best = target;
        }
    }

    /// Assign ids in creation order and build the indices.
    fn finish(&mut self, c: &mut Company) {
        let mut activities = std::mem::take(&mut self.activities);
        activities.sort_by_key(|a| (a.created, a.owner_type, a.owner_id));
        for (i, a) in activities.iter_mut().enumerate() {
            a.id = i as u32 + 1;
        }
        let mut call_id = 0;
        for a in &activities {
            if let Some(outcome) = a.call {
                call_id += 1;
                c.calls.push(Call {
                    id: call_id,
                    activity_id: a.id,
                    user: a.responsible,
                    call_type: if a.direction == 2 { 1 } else { 2 },
                    duration: outcome.duration,
                    start: a.start,
                    failed_code: outcome.failed_code,
                    crm_entity_type: if a.owner_type == LEAD { LEAD } else { COMPANY },
                    crm_entity_id: if a.owner_type == LEAD { a.owner_id } else { a.company_id },
                    phone_seed: a.company_id.wrapping_mul(2_654_435_761) ^ a.owner_id,
                });
            }
        }
        c.activities = activities;

        let mut comments = std::mem::take(&mut self.comments);
        comments.sort_by_key(|m| (m.created, m.entity_id));
        for (i, m) in comments.iter_mut().enumerate() {
            m.id = i as u32 + 1;
            c.comments_by_entity.entry((m.entity_type, m.entity_id)).or_default().push(i as u32);
        }
        c.comments = comments;

        let mut tasks = std::mem::take(&mut self.tasks);
        tasks.sort_by_key(|t| t.created);
        for (i, t) in tasks.iter_mut().enumerate() {
            t.id = i as u32 + 1;
        }
        c.tasks = tasks;

        for history in [&mut c.deal_history, &mut c.lead_history] {
            history.sort_by_key(|h| (h.time, h.owner_id, h.type_id));
            for (i, h) in history.iter_mut().enumerate() {
                h.id = i as u32 + 1;
            }
        }
    }
}

impl Seller {
    fn works_at(&self, t: i64) -> bool {
        self.hired <= t && self.fired.is_none_or(|f| t < f)
    }
}

/// Whole calendar months from the month of `t` to the month of `now` (0 = same month).
pub fn months_between(tz: Tz, t: i64, now: i64) -> u32 {
    let (a, b) = (local_date(tz, t), local_date(tz, now));
    let diff = (b.year() * 12 + b.month0() as i32) - (a.year() * 12 + a.month0() as i32);
    diff.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(deals: u32) -> GenSettings {
        GenSettings { seed: 7, deals, today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), tz: chrono_tz::Europe::Moscow }
    }

    #[test]
    fn generates_exactly_the_requested_number_of_deals() {
        for n in [1, 50, 777] {
            assert_eq!(generate(&settings(n)).deals.len(), n as usize);
        }
    }

    #[test]
    fn ids_follow_creation_time() {
        let c = generate(&settings(600));
        assert!(c.deals.windows(2).all(|w| w[0].created <= w[1].created && w[0].id + 1 == w[1].id));
        assert!(c.activities.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(c.leads.windows(2).all(|w| w[0].created <= w[1].created));
    }

    #[test]
    fn nothing_happens_after_now() {
        let c = generate(&settings(600));
        let now = c.generated_at;
        assert!(c.deals.iter().all(|d| d.created <= now && d.moved <= now && d.modified <= now));
        assert!(c.deal_history.iter().all(|h| h.time <= now));
        assert!(c.activities.iter().all(|a| a.created <= now));
        assert!(c.comments.iter().all(|m| m.created <= now));
    }

    #[test]
    fn months_between_counts_calendar_months() {
        let tz = chrono_tz::Europe::Moscow;
        let at = |y, m, d| local_ts(tz, NaiveDate::from_ymd_opt(y, m, d).unwrap(), 12 * HOUR);
        assert_eq!(months_between(tz, at(2026, 11, 1), at(2026, 11, 30)), 0);
        assert_eq!(months_between(tz, at(2026, 10, 31), at(2026, 11, 1)), 1);
        assert_eq!(months_between(tz, at(2025, 12, 31), at(2026, 2, 1)), 2);
    }
}
