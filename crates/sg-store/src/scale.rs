//! Benchmark support: grow a synced store by copying its deals and everything hanging off
//! them with shifted ids, so report timings can be taken at sizes a sync against the
//! emulator would take hours to reach. The copies keep the real data's distributions.

use crate::{Result, Store};

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
            let cols: Vec<String> = {
                let mut stmt =
                    tx.prepare("SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position")?;
                stmt.query_map([table], |r| r.get::<_, String>(0))?.collect::<std::result::Result<_, _>>()?
            };
            for k in 1..i64::from(times) {
                let select: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        if c == key {
                            // A `deal_id` key is a deal reference: it shifts with the deals.
                            let shift = if key == "deal_id" { deal_span } else { span };
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
