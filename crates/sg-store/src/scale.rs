//! Benchmark support: grow a synced store by copying its deals and everything hanging off
//! them with shifted ids, so report timings can be taken at sizes a sync against the
//! emulator would take hours to reach. The copies keep the real data's distributions.

use crate::{Result, Store, schema};

/// Tables copied, with the id columns that shift: `(table, own key, deal-reference column)`.
const COPIES: &[(&str, &str, Option<&str>)] = &[
    ("deals", "id", None),
    ("deal_facts", "deal_id", None),
    ("deal_stage_visits", "deal_id", None),
    ("deal_stage_history", "id", Some("owner_id")),
    ("comments", "id", Some("entity_id")),
    ("activities", "id", Some("owner_id")),
];

impl Store {
    /// Make `times` copies in total of the deal-side data (1 = no change). Activities that
    /// belong to leads are copied too with their lead reference unchanged.
    pub fn replicate_for_bench(&mut self, times: u32) -> Result<()> {
        if times <= 1 {
            return Ok(());
        }
        let deal_span: i64 = self.conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM deals", [], |r| r.get(0))?;
        let tx = self.conn.transaction()?;
        for &(table, key, deal_ref) in COPIES {
            let span: i64 = tx.query_row(&format!("SELECT coalesce(max({key}), 0) + 1 FROM {table}"), [], |r| r.get(0))?;
            let cols: Vec<String> = match table {
                "deal_stage_visits" => {
                    ["deal_id", "funnel_id", "stage_id", "entered_at", "exited_at"].iter().map(|c| c.to_string()).collect()
                }
                "deal_facts" => [
                    "deal_id",
                    "amount_base",
                    "won_at",
                    "lost_at",
                    "stage_entered_at",
                    "last_touch_at",
                    "title",
                    "category_id",
                    "stage_id",
                    "stage_semantic",
                    "type_id",
                    "source_id",
                    "assigned_by_id",
                    "is_return_customer",
                    "created_at",
                    "utm_source",
                    "utm_medium",
                    "utm_campaign",
                ]
                .iter()
                .map(|c| c.to_string())
                .collect(),
                _ => schema::SYNCED
                    .iter()
                    .find(|t| t.name == table)
                    .expect("known table")
                    .columns
                    .iter()
                    .map(|(c, _)| c.to_string())
                    .collect(),
            };
            for k in 1..i64::from(times) {
                let select: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        if c == key {
                            let shift = if table == "deal_facts" || table == "deal_stage_visits" { deal_span } else { span };
                            format!("{c} + {}", shift * k)
                        } else if Some(c.as_str()) == deal_ref {
                            match table {
                                "activities" => format!("CASE WHEN owner_type_id = 2 THEN {c} + {} ELSE {c} END", deal_span * k),
                                _ => format!("{c} + {}", deal_span * k),
                            }
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                tx.execute_batch(&format!("INSERT INTO {table} SELECT {} FROM {table} WHERE {key} < {span}", select.join(", ")))?;
            }
        }
        tx.commit()?;
        self.conn.execute_batch("CHECKPOINT")?;
        Ok(())
    }
}
