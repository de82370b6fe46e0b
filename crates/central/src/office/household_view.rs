//! A household as the commune office's page shows it: the household, its
//! residents, its visits with their actions, and every "needs fix" mark on
//! any of them (open or resolved), so the officer can mark a record and
//! later see the member's answer. Read from `records` (the truth, so a mark
//! just opened shows at once), walking down by `parent_id`: a resident's and
//! a visit's parent is the household, an action's its visit, a mark's the
//! record it marks (`push/judge.rs`).
//!
//! Only the commune's own: a household of another commune is NotFound, not
//! told apart from none.

use crate::backend::sql::{Tx, vals};
use crate::{CentralDb, CentralError};
use gocua_core::converge::from_fields;
use gocua_core::review::ReviewMark;
use gocua_core::{AssistedAction, CommuneId, EntityKind, Household, HouseholdId, Resident, Visit};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// One household with everything recorded under it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdView {
    pub household: Household,
    /// Oldest first.
    pub residents: Vec<Resident>,
    /// Earliest first, voided ones included.
    pub visits: Vec<Visit>,
    /// In the order of their visits, voided ones included.
    pub actions: Vec<AssistedAction>,
    /// Marks on the household or any record under it, oldest first.
    pub marks: Vec<ReviewMark>,
}

/// A record under another: its id, kind and fields.
type Child = (Uuid, EntityKind, Map<String, Value>);

/// A record's children.
fn children(tx: &mut dyn Tx, commune: &str, parent: Uuid) -> Result<Vec<Child>, CentralError> {
    tx.query(
        "SELECT entity_id, entity, fields FROM records
         WHERE parent_id = $1 AND commune_id = $2 ORDER BY entity_id",
        vals![parent.to_string(), commune],
    )?
    .iter()
    .map(|r| {
        let entity = r.text(1)?;
        let kind = EntityKind::parse(entity)
            .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
        Ok((r.parse(0)?, kind, r.json(2)?))
    })
    .collect()
}

/// A stored record as its type (the judge rebuilt it when it was taken, so
/// one that does not read back is damage, not input).
fn rebuild<R: DeserializeOwned>(id: Uuid, fields: Map<String, Value>) -> Result<R, CentralError> {
    from_fields(id, fields).map_err(|e| CentralError::Corrupt(format!("record {id}: {e}")))
}

/// The marks among `children`, as marks.
fn marks_among(children: &mut Vec<Child>, into: &mut Vec<ReviewMark>) -> Result<(), CentralError> {
    for (id, entity, fields) in std::mem::take(children) {
        if entity == EntityKind::ReviewMark {
            into.push(rebuild(id, fields)?);
        } else {
            children.push((id, entity, fields));
        }
    }
    Ok(())
}

fn marks_on(
    tx: &mut dyn Tx,
    commune: &str,
    targets: &[Uuid],
) -> Result<Vec<ReviewMark>, CentralError> {
    let mut marks: Vec<ReviewMark> = Vec::new();
    for t in targets {
        for r in tx.query(
            "SELECT entity_id, fields FROM records
             WHERE parent_id = $1 AND commune_id = $2 AND entity = 'review_mark'",
            vals![t.to_string(), commune],
        )? {
            marks.push(rebuild(r.parse(0)?, r.json(1)?)?);
        }
    }
    marks.sort_by_key(|m| (m.created_at, m.id));
    Ok(marks)
}

impl CentralDb {
    /// `household` of `commune` with its residents, visits, actions and
    /// marks; NotFound for a household of another commune.
    pub fn household_view(
        &self,
        commune: CommuneId,
        household: HouseholdId,
    ) -> Result<HouseholdView, CentralError> {
        let c = commune.to_string();
        self.read(|tx| {
            let row = tx
                .query_opt(
                    "SELECT fields FROM records
                     WHERE entity_id = $1 AND entity = 'household' AND commune_id = $2",
                    vals![household.to_string(), c.as_str()],
                )?
                .ok_or_else(|| CentralError::not_found("household", household))?;
            let mut view = HouseholdView {
                household: rebuild(household.0, row.json(0)?)?,
                residents: Vec::new(),
                visits: Vec::new(),
                actions: Vec::new(),
                marks: Vec::new(),
            };
            let mut under = children(tx, &c, household.0)?;
            marks_among(&mut under, &mut view.marks)?;
            for (id, entity, fields) in under {
                match entity {
                    EntityKind::Resident => {
                        let r: Resident = rebuild(id, fields)?;
                        // Withdrawn by the office (issue 16): not one of
                        // the household's people any more.
                        if r.voided.is_none() {
                            view.residents.push(r);
                        }
                    }
                    EntityKind::Visit => view.visits.push(rebuild(id, fields)?),
                    _ => {}
                }
            }
            view.residents.sort_by_key(|r| (r.birth_year, r.id));
            view.visits.sort_by_key(|v| (v.at, v.id));
            for r in &view.residents {
                view.marks.extend(marks_on(tx, &c, &[r.id.0])?);
            }
            for v in &view.visits {
                let mut under = children(tx, &c, v.id.0)?;
                marks_among(&mut under, &mut view.marks)?;
                for (id, entity, fields) in under {
                    if entity == EntityKind::AssistedAction {
                        let action: AssistedAction = rebuild(id, fields)?;
                        view.marks.extend(marks_on(tx, &c, &[action.id.0])?);
                        view.actions.push(action);
                    }
                }
            }
            view.marks.sort_by_key(|m| (m.created_at, m.id));
            Ok(view)
        })
    }

    /// The marks on these records of `commune`, oldest first (a resident's
    /// card asks for the resident's and its actions').
    pub fn review_marks_on(
        &self,
        commune: CommuneId,
        targets: &[Uuid],
    ) -> Result<Vec<ReviewMark>, CentralError> {
        let c = commune.to_string();
        self.read(|tx| marks_on(tx, &c, targets))
    }
}
