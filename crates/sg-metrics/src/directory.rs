//! The portal's directories as the metrics layer needs them: who is in which department
//! (with sub-departments), funnels and their ordered stages, sources, deal types. Loaded
//! through the SQL here and parsed from the rows the store returns.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::MetricsError;
use crate::cell::Rows;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub departments: Vec<i64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub head_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Funnel {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Stage {
    pub id: String,
    pub funnel_id: i64,
    pub name: String,
    pub sort: i64,
    /// `P`, `S` or `F`.
    pub semantic: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Directory {
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub funnels: Vec<Funnel>,
    pub stages: Vec<Stage>,
    pub sources: Vec<Named>,
    pub deal_types: Vec<Named>,
}

/// The queries `Directory::from_rows` expects, in order.
pub const LOAD_SQL: [&str; 6] = [
    "SELECT id, trim(concat_ws(' ', name, last_name)) AS name, coalesce(active, true) AS active,
            array_to_string(coalesce(departments, []), ',') AS departments FROM users ORDER BY id",
    "SELECT id, name, parent_id, head_id FROM departments ORDER BY sort, id",
    "SELECT id, name FROM funnels ORDER BY sort, id",
    "SELECT status_id, funnel_id, name, sort, coalesce(semantic, 'P') AS semantic FROM stages
     WHERE entity_id = 'DEAL_STAGE' OR entity_id LIKE 'DEAL_STAGE_%' ORDER BY funnel_id, sort",
    "SELECT id, name FROM sources ORDER BY sort, id",
    "SELECT id, name FROM deal_types ORDER BY sort, id",
];

fn text(r: &[crate::cell::Cell], i: usize) -> String {
    r[i].text().unwrap_or_default()
}

impl Directory {
    pub fn from_rows(rows: &[Rows]) -> Result<Directory, MetricsError> {
        let [users, depts, funnels, stages, sources, types] = rows else {
            return Err(MetricsError::Shape(format!("directory needs {} result sets, got {}", LOAD_SQL.len(), rows.len())));
        };
        let id = |c: &crate::cell::Cell, what: &str| c.int().ok_or_else(|| MetricsError::Shape(format!("{what} without an id")));
        Ok(Directory {
            users: users
                .rows
                .iter()
                .map(|r| {
                    Ok(User {
                        id: id(&r[0], "user")?,
                        name: text(r, 1),
                        active: r[2].bool().unwrap_or(true),
                        departments: text(r, 3).split(',').filter_map(|s| s.trim().parse().ok()).collect(),
                    })
                })
                .collect::<Result<_, MetricsError>>()?,
            departments: depts
                .rows
                .iter()
                .map(|r| Ok(Department { id: id(&r[0], "department")?, name: text(r, 1), parent_id: r[2].int(), head_id: r[3].int() }))
                .collect::<Result<_, MetricsError>>()?,
            funnels: funnels
                .rows
                .iter()
                .map(|r| Ok(Funnel { id: id(&r[0], "funnel")?, name: text(r, 1) }))
                .collect::<Result<_, MetricsError>>()?,
            stages: stages
                .rows
                .iter()
                .map(|r| {
                    Ok(Stage {
                        id: text(r, 0),
                        funnel_id: r[1].int().unwrap_or(0),
                        name: text(r, 2),
                        sort: r[3].int().unwrap_or(0),
                        semantic: text(r, 4),
                    })
                })
                .collect::<Result<_, MetricsError>>()?,
            sources: sources.rows.iter().map(|r| Named { id: text(r, 0), name: text(r, 1) }).collect(),
            deal_types: types.rows.iter().map(|r| Named { id: text(r, 0), name: text(r, 1) }).collect(),
        })
    }

    /// A department and all its sub-departments.
    pub fn subtree(&self, root: i64) -> BTreeSet<i64> {
        let mut out = BTreeSet::from([root]);
        loop {
            let before = out.len();
            for d in &self.departments {
                if d.parent_id.is_some_and(|p| out.contains(&p)) {
                    out.insert(d.id);
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// Users who belong to any of the departments or their sub-departments.
    pub fn members(&self, departments: &[i64]) -> BTreeSet<i64> {
        let all: BTreeSet<i64> = departments.iter().flat_map(|d| self.subtree(*d)).collect();
        self.users.iter().filter(|u| u.departments.iter().any(|d| all.contains(d))).map(|u| u.id).collect()
    }

    /// For every department: its members including those of sub-departments (each once).
    pub fn department_members(&self) -> BTreeMap<i64, BTreeSet<i64>> {
        self.departments.iter().map(|d| (d.id, self.members(&[d.id]))).collect()
    }

    pub fn user_name(&self, id: i64) -> String {
        self.users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| format!("#{id}"))
    }

    pub fn funnel_name(&self, id: i64) -> String {
        self.funnels.iter().find(|f| f.id == id).map(|f| f.name.clone()).unwrap_or_else(|| format!("#{id}"))
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Directory {
        let dept = |id, parent| Department { id, name: format!("D{id}"), parent_id: parent, head_id: None };
        let user = |id, deps: &[i64]| User { id, name: format!("U{id}"), active: true, departments: deps.to_vec() };
        Directory {
            users: vec![user(1, &[1]), user(2, &[2]), user(3, &[3]), user(4, &[2, 3]), user(5, &[4])],
            departments: vec![dept(1, None), dept(2, Some(1)), dept(3, Some(2)), dept(4, Some(1))],
            funnels: vec![Funnel { id: 0, name: "Main".into() }],
            stages: vec![],
            sources: vec![],
            deal_types: vec![],
        }
    }

    #[test]
    fn departments_include_sub_departments() {
        let d = sample();
        assert_eq!(d.subtree(2), BTreeSet::from([2, 3]));
        assert_eq!(d.members(&[2]), BTreeSet::from([2, 3, 4]));
        assert_eq!(d.members(&[1]).len(), 5);
        assert_eq!(d.department_members()[&4], BTreeSet::from([5]));
    }
}
