//! Plan rows, their audit log, and calendar edits.

use chrono::NaiveDate;
use duckdb::{Connection, params};
use rust_decimal::Decimal;
use sg_metrics::period::Month;
use sg_metrics::plan::PlanRow;

use crate::{Result, Store, StoreError, unix_now};

/// What a plan write is and who made it.
#[derive(Clone, Debug)]
pub struct PlanEdit<'a> {
    pub actor: &'a str,
    /// `editor`, `import:<file>`, `copy`, `roll-forward`, …
    pub source: &'a str,
}

/// One audited change of a plan cell.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub source: String,
    pub month: String,
    pub user_id: i64,
    pub funnel_id: Option<i64>,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

type Key = (Month, i64, Option<i64>);

impl Store {
    /// Plan rows of the months `[from, to]`.
    pub fn plans(&self, from: Month, to: Month) -> Result<Vec<PlanRow>> {
        read_plans(&self.conn, from, to)
    }

    /// Upsert plan rows and delete keys, all in one transaction, recording every changed
    /// field in the audit log. Rows equal to what is stored are not touched (a review mark
    /// is cleared by saving the row with `needs_review = false`). Returns the number of
    /// audit entries written.
    pub fn write_plans(&mut self, upserts: &[PlanRow], deletes: &[Key], edit: &PlanEdit) -> Result<usize> {
        let now = unix_now();
        let months: Vec<Month> = upserts.iter().map(|r| r.month).chain(deletes.iter().map(|k| k.0)).collect();
        let (Some(lo), Some(hi)) = (months.iter().min().copied(), months.iter().max().copied()) else {
            return Ok(0);
        };
        let existing = self.plans(lo, hi)?;
        let find = |k: &Key| existing.iter().find(|r| &r.key() == k);
        let tx = self.conn.transaction()?;
        let mut audit = 0;
        {
            let mut del = tx.prepare("DELETE FROM plans WHERE month = ? AND user_id = ? AND funnel_id IS NOT DISTINCT FROM ?")?;
            let mut ins =
                tx.prepare("INSERT INTO plans VALUES (?, ?, ?, ?, CAST(? AS DECIMAL(18,2)), CAST(? AS DECIMAL(9,3)), ?, ?, ?)")?;
            let mut log = tx.prepare("INSERT INTO plan_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")?;
            let mut write_log = |k: &Key, field: &str, old: Option<String>, new: Option<String>| -> Result<()> {
                log.execute(params![now, edit.actor, edit.source, k.0.to_string(), k.1, k.2, field, old, new])?;
                Ok(())
            };
            for k in deletes {
                if let Some(old) = find(k) {
                    del.execute(params![k.0.to_string(), k.1, k.2])?;
                    for (field, v) in fields(old) {
                        write_log(k, field, Some(v), None)?;
                        audit += 1;
                    }
                }
            }
            for r in upserts {
                let k = r.key();
                let old = find(&k);
                if old == Some(r) {
                    continue;
                }
                let old_fields = old.map(fields).unwrap_or_default();
                for (field, v) in fields(r) {
                    let before = old_fields.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone());
                    if before.as_deref() != Some(v.as_str()) {
                        write_log(&k, field, before, Some(v))?;
                        audit += 1;
                    }
                }
                del.execute(params![k.0.to_string(), k.1, k.2])?;
                ins.execute(params![
                    k.0.to_string(),
                    k.1,
                    k.2,
                    r.plan_count,
                    r.plan_amount.to_string(),
                    r.bonus_pct.to_string(),
                    r.needs_review,
                    now,
                    edit.actor
                ])?;
            }
        }
        tx.commit()?;
        Ok(audit)
    }

    /// The latest audit entries, newest first.
    pub fn plan_audit(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT changed_at, actor, source, month, user_id, funnel_id, field, old_value, new_value FROM plan_audit
             ORDER BY changed_at DESC, rowid DESC LIMIT ?",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                source: r.get(2)?,
                month: r.get(3)?,
                user_id: r.get(4)?,
                funnel_id: r.get(5)?,
                field: r.get(6)?,
                old_value: r.get(7)?,
                new_value: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Calendar edits, in date order.
    pub fn calendar_days(&self) -> Result<Vec<(NaiveDate, bool)>> {
        read_calendar_days(&self.conn)
    }

    pub fn set_calendar_day(&mut self, day: NaiveDate, working: bool, actor: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM calendar_days WHERE day = CAST(? AS DATE)", params![day.to_string()])?;
        tx.execute("INSERT INTO calendar_days VALUES (CAST(? AS DATE), ?, ?, ?)", params![day.to_string(), working, unix_now(), actor])?;
        tx.commit()?;
        let version = self.meta(crate::CALENDAR_VERSION)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) + 1;
        self.set_meta(crate::CALENDAR_VERSION, &version.to_string())
    }
}

/// Plan rows of the months `[from, to]` through any connection.
pub(crate) fn read_plans(conn: &Connection, from: Month, to: Month) -> Result<Vec<PlanRow>> {
    let mut stmt = conn.prepare(
        "SELECT month, user_id, funnel_id, plan_count, CAST(plan_amount AS VARCHAR), CAST(bonus_pct AS VARCHAR), needs_review
         FROM plans WHERE month >= ? AND month <= ? ORDER BY month, user_id, funnel_id NULLS FIRST",
    )?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (month, user_id, funnel_id, plan_count, amount, bonus, needs_review) = r?;
        let bad = |what: &str| StoreError::Corrupt(format!("plans row {month}/{user_id}: {what}"));
        out.push(PlanRow {
            month: month.parse().map_err(|_| bad("month"))?,
            user_id,
            funnel_id,
            plan_count,
            plan_amount: amount.parse().map_err(|_| bad("plan_amount"))?,
            bonus_pct: bonus.parse().map_err(|_| bad("bonus_pct"))?,
            needs_review,
        });
    }
    Ok(out)
}

impl crate::Reader {
    /// Plan rows of the months `[from, to]`.
    pub fn plans(&self, from: Month, to: Month) -> Result<Vec<PlanRow>> {
        read_plans(&self.conn, from, to)
    }

    /// Calendar edits, in date order.
    pub fn calendar_days(&self) -> Result<Vec<(NaiveDate, bool)>> {
        read_calendar_days(&self.conn)
    }
}

fn read_calendar_days(conn: &Connection) -> Result<Vec<(NaiveDate, bool)>> {
    let mut stmt = conn.prepare("SELECT CAST(day AS VARCHAR), working FROM calendar_days ORDER BY day")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (d, w) = r?;
        out.push((d.parse().map_err(|_| StoreError::Corrupt(format!("calendar day `{d}`")))?, w));
    }
    Ok(out)
}

fn fields(r: &PlanRow) -> Vec<(&'static str, String)> {
    let dec = |d: Decimal| d.normalize().to_string();
    vec![
        ("plan_count", r.plan_count.to_string()),
        ("plan_amount", dec(r.plan_amount)),
        ("bonus_pct", dec(r.bonus_pct)),
        ("needs_review", r.needs_review.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: &str, user: i64, funnel: Option<i64>, amount: i64) -> PlanRow {
        PlanRow {
            month: month.parse().unwrap(),
            user_id: user,
            funnel_id: funnel,
            plan_count: 3,
            plan_amount: Decimal::from(amount),
            bonus_pct: Decimal::new(25, 1),
            needs_review: false,
        }
    }

    #[test]
    fn plan_writes_are_audited_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.duckdb")).unwrap();
        let edit = PlanEdit { actor: "admin", source: "editor" };
        assert_eq!(s.write_plans(&[row("2026-11", 7, None, 100), row("2026-11", 7, Some(1), 40)], &[], &edit).unwrap(), 8);
        // The same row again changes nothing; a new amount logs one field.
        assert_eq!(s.write_plans(&[row("2026-11", 7, None, 100)], &[], &edit).unwrap(), 0);
        assert_eq!(s.write_plans(&[row("2026-11", 7, None, 150)], &[], &edit).unwrap(), 1);
        let rows = s.plans("2026-11".parse().unwrap(), "2026-11".parse().unwrap()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].plan_amount, Decimal::from(150));
        let log = s.plan_audit(10).unwrap();
        assert_eq!(
            (log[0].field.as_str(), log[0].old_value.as_deref(), log[0].new_value.as_deref()),
            ("plan_amount", Some("100"), Some("150"))
        );
        // Deleting the funnel row logs its fields with no new value.
        assert_eq!(s.write_plans(&[], &[("2026-11".parse().unwrap(), 7, Some(1))], &edit).unwrap(), 4);
        assert_eq!(s.plans("2026-01".parse().unwrap(), "2026-12".parse().unwrap()).unwrap().len(), 1);
    }

    #[test]
    fn calendar_edits_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.duckdb")).unwrap();
        let d: NaiveDate = "2026-11-28".parse().unwrap();
        s.set_calendar_day(d, true, "admin").unwrap();
        s.set_calendar_day(d, false, "admin").unwrap();
        assert_eq!(s.calendar_days().unwrap(), vec![(d, false)]);
    }
}
