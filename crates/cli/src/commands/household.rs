//! `household …` and `resident add`: entering and finding the commune's
//! households and their residents.

use crate::args::*;
use crate::commands::input::parse;
use crate::print;
use anyhow::Result;
use gocua_core::{HouseholdFlags, HouseholdInput, ResidentInput};
use gocua_device::Store;

pub(crate) fn run(store: &mut Store, cmd: HouseholdCommand, json: bool) -> Result<()> {
    match cmd {
        HouseholdCommand::Add(f) => {
            let input = HouseholdInput {
                village_id: Some(parse("village", &f.village)?),
                address: f.address,
                head_name: f.head,
                phone: f.phone,
                flags: HouseholdFlags {
                    poor: f.poor,
                    near_poor: f.near_poor,
                    ethnic_minority: f.ethnic_minority,
                    elderly_only: f.elderly_only,
                    no_smartphone: f.no_smartphone,
                },
            };
            let h = store.write(|b| b.add_household(input))?;
            if json {
                print::json(&h)?;
            } else {
                outln!("{}", h.id);
            }
        }
        HouseholdCommand::List { village } => {
            let villages = match village {
                Some(v) => vec![parse("village", &v)?],
                None => Vec::new(),
            };
            let list = store.list_households(&villages)?;
            if json {
                print::json(&list)?;
            } else {
                for h in list {
                    outln!("{}  {} – {}", h.id, h.head_name, h.address);
                }
            }
        }
        HouseholdCommand::Show { id } => {
            let d = store.household(parse("household", &id)?)?;
            if json {
                print::json(&d)?;
            } else {
                let h = &d.household;
                outln!("Hộ {} – {}, {}", h.head_name, h.address, d.village_name);
                if let Some(p) = &h.phone {
                    outln!("Điện thoại: {p}");
                }
                let labels = h.flags.labels_vi();
                if !labels.is_empty() {
                    outln!("Nhóm ưu tiên: {}", labels.join(", "));
                }
                outln!("Gia đình số: {}", print::yes_no(d.digital_family));
                for r in &d.residents {
                    outln!(
                        "  {} ({} tuổi) {} – công dân số: {}",
                        r.resident.full_name,
                        r.age,
                        r.resident.id,
                        print::yes_no(r.digital_citizen)
                    );
                    for item in r.checklist.iter().filter(|i| i.in_checklist) {
                        outln!("      {:<22} {}", item.status.label_vi(), item.name_vi);
                    }
                }
                for v in &d.visits {
                    let void = v
                        .voided_reason
                        .as_ref()
                        .map(|r| format!(" [đã hủy: {r}]"))
                        .unwrap_or_default();
                    outln!(
                        "  Thăm {} – {} – {}{}",
                        v.day,
                        v.outcome.label_vi(),
                        v.members.join(", "),
                        void
                    );
                    for a in &v.actions {
                        outln!(
                            "      {}: {} – {}",
                            a.resident_name,
                            a.action_name,
                            a.outcome.label_vi()
                        );
                    }
                }
            }
        }
        HouseholdCommand::Search { query, limit } => {
            let hits = store.search(&query, limit)?;
            if json {
                print::json(&hits)?;
            } else {
                for h in hits {
                    let who = h
                        .matched_resident
                        .map(|r| format!(" (có {r})"))
                        .unwrap_or_default();
                    outln!(
                        "{}  {}{} – {}, {}",
                        h.household_id,
                        h.head_name,
                        who,
                        h.address,
                        h.village_name
                    );
                }
            }
        }
        HouseholdCommand::Import { file } => {
            crate::commands::import::households(store, &file, json)?
        }
    }
    Ok(())
}

pub(crate) fn resident(store: &mut Store, cmd: ResidentCommand, json: bool) -> Result<()> {
    match cmd {
        ResidentCommand::Add {
            household,
            name,
            birth_year,
            sex,
            smartphone,
            consent,
        } => {
            let input = ResidentInput {
                household_id: parse("household", &household)?,
                full_name: name,
                birth_year,
                sex: parse("sex", &sex)?,
                has_smartphone: smartphone,
                consent_on: consent.then(|| store.today()),
                citizen_id_hash: None,
            };
            let r = store.write(|b| b.add_resident(input))?;
            if json {
                print::json(&r)?;
            } else {
                outln!("{}", r.id);
            }
        }
    }
    Ok(())
}
