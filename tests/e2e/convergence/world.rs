//! The world at work: the server, the proxy and the devices set up and
//! enrolled, and each random operation run on one of them.

use super::*;

impl World {
    pub(super) fn new(devices: usize) -> World {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("server");
        let bin = server_bin();
        let org: OrgSnapshot =
            serde_json::from_value(admin(&bin, &data, &["demo", "--villages", "2"]))
                .expect("demo org");
        let server = RunningServer::start(&bin, &data);
        let proxy = FaultyProxy::start(server.addr);
        let url = format!("https://{}", proxy.addr());
        let villages: Vec<VillageId> = org.villages.iter().map(|v| v.id).collect();
        let team_members: Vec<(MemberId, bool, Vec<VillageId>)> = org
            .members
            .iter()
            .filter_map(|m| {
                let team = org.teams.iter().find(|t| Some(t.id) == m.team_id)?;
                Some((m.id, m.role == Role::TeamLeader, team.village_ids.clone()))
            })
            .collect();
        let officer = org
            .members
            .iter()
            .find(|m| m.role == Role::CommuneOfficer)
            .expect("officer")
            .id;
        let mut list = Vec::new();
        // The first team leader's device is a relay: its file opened by
        // passphrase, as the relay process (`gocua relay serve`) opens it.
        let mut relay_at: Option<(usize, Vec<VillageId>)> = None;
        for i in 0..devices {
            let (member, leader, villages) = team_members[i % team_members.len()].clone();
            let code = enroll_code(&bin, &data, &member.to_string());
            let key = if leader && relay_at.is_none() {
                relay_at = Some((i, villages.clone()));
                gocua_testkit::relay::relay_db_key()
            } else {
                DbKey::Raw([i as u8 + 1; 32])
            };
            let mut store =
                Store::open(&dir.path().join(format!("device{i}.db")), &key).expect("open store");
            let payload = format!(
                "gocua-enroll:v1?url={url}&code={code}&fp={}",
                server.fingerprint
            );
            enroll(&mut store, &payload, None, &format!("Máy {i}"), &options()).expect("enroll");
            list.push(Device {
                store,
                relayed: false,
                member,
                leader,
                villages,
            });
        }
        // The officer's two devices: the last two (syncs and other work
        // reach them too, by index).
        for i in 0..2 {
            let code = enroll_code(&bin, &data, &officer.to_string());
            let mut store = Store::open(
                &dir.path().join(format!("officer{i}.db")),
                &DbKey::Raw([200 + i as u8; 32]),
            )
            .expect("open store");
            let payload = format!(
                "gocua-enroll:v1?url={url}&code={code}&fp={}",
                server.fingerprint
            );
            enroll(
                &mut store,
                &payload,
                None,
                &format!("Máy cán bộ {i}"),
                &options(),
            )
            .expect("enroll officer");
            // The officer may mark records too (`leader`: may open marks).
            list.push(Device {
                store,
                relayed: false,
                member: officer,
                leader: true,
                villages: villages.clone(),
            });
        }
        let mut world = World {
            villages,
            officer,
            devices: list,
            created: Created::default(),
            data,
            proxy,
            server: Some(server),
            backups: Vec::new(),
            relay: None,
            _dir: dir,
        };
        if let Some((at, villages)) = relay_at {
            world.start_relay(at, &villages);
        }
        world.backup();
        world
    }

    /// The relay on device `at`'s file; its team's other devices join it
    /// (the leader syncs first, to learn their keys).
    fn start_relay(&mut self, at: usize, villages: &[VillageId]) {
        sync(&mut self.devices[at].store, &options(), &mut |_| {}).expect("leader sync");
        let db = self._dir.path().join(format!("device{at}.db"));
        let relay = gocua_testkit::relay::RunningRelay::start(&db);
        for (i, d) in self.devices.iter_mut().enumerate() {
            if i == at || d.member == self.officer || d.villages != villages {
                continue;
            }
            gocua_sync::client::join_relay(&mut d.store, &relay.pair(), &options())
                .expect("join the relay");
            d.relayed = true;
        }
        self.relay = Some(relay);
    }

    fn backup(&mut self) {
        let file = self
            ._dir
            .path()
            .join(format!("sao-luu-{}.db", self.backups.len()));
        admin(
            &server_bin(),
            &self.data,
            &["backup", "--to", file.to_str().expect("a path")],
        );
        self.backups.push(file);
    }

    pub(super) fn run(&mut self, op: &Op) {
        let n = self.devices.len();
        match *op {
            Op::AddHousehold { dev, name, poor } => {
                let d = &mut self.devices[dev % n];
                let village = d.villages[name % d.villages.len()];
                let h = d
                    .store
                    .write(|b| {
                        b.add_household(HouseholdInput {
                            village_id: Some(village),
                            address: format!("Số {name}"),
                            head_name: NAMES[name].into(),
                            phone: None,
                            flags: HouseholdFlags {
                                poor,
                                ..HouseholdFlags::default()
                            },
                        })
                    })
                    .expect("add household");
                self.created.households.insert(h.id);
            }
            Op::EditHousehold {
                dev,
                pick: p,
                field,
                value,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let mut input = HouseholdInput {
                    village_id: Some(h.village_id),
                    address: h.address,
                    head_name: h.head_name,
                    phone: h.phone,
                    flags: h.flags,
                };
                match field {
                    0 => input.head_name = NAMES[value].into(),
                    1 => input.address = format!("Ngõ {value}"),
                    2 => input.phone = Some(format!("09{value:08}")),
                    _ => input.flags.no_smartphone = !input.flags.no_smartphone,
                }
                d.store
                    .write(|b| b.update_household(h.id, input))
                    .expect("edit household");
            }
            Op::AddResident {
                dev,
                pick: p,
                name,
                age,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let r = d
                    .store
                    .write(|b| {
                        b.add_resident(ResidentInput {
                            household_id: h.id,
                            full_name: NAMES[name].into(),
                            birth_year: 2026 - age,
                            sex: Sex::Female,
                            has_smartphone: age > 12,
                            consent_on: None,
                            citizen_id_hash: None,
                        })
                    })
                    .expect("add resident");
                self.created.residents.insert(r.id);
            }
            Op::EditResident {
                dev,
                pick: p,
                value,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let page = d.store.household(h.id).expect("household");
                let Some(r) = pick(&page.residents, value) else {
                    return;
                };
                let r = r.resident;
                d.store
                    .write(|b| {
                        b.update_resident(
                            r.id,
                            ResidentInput {
                                household_id: r.household_id,
                                full_name: NAMES[value].into(),
                                birth_year: r.birth_year,
                                sex: r.sex,
                                has_smartphone: !r.has_smartphone,
                                consent_on: r.consent_on,
                                citizen_id_hash: r.citizen_id_hash,
                            },
                        )
                    })
                    .expect("edit resident");
            }
            Op::LogVisit {
                dev,
                pick: p,
                actions,
                met,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let residents = d.store.household(h.id).expect("household").residents;
                let actions: Vec<ActionInput> = if met {
                    residents
                        .iter()
                        .take(actions)
                        .enumerate()
                        .map(|(i, r)| ActionInput {
                            resident_id: r.resident.id,
                            action: ACTIONS[(p + i) % ACTIONS.len()].parse().expect("code"),
                            outcome: ActionOutcome::Done,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let member = d.member;
                let (visit, _) = d
                    .store
                    .write(|b| {
                        b.log_visit(VisitInput {
                            household_id: h.id,
                            members: vec![member],
                            at: Utc::now(),
                            form: VisitForm::DoorToDoor,
                            outcome: if met {
                                VisitOutcome::Met
                            } else {
                                VisitOutcome::NotAtHome
                            },
                            note: None,
                            actions,
                        })
                    })
                    .expect("log visit");
                self.created.visits.insert(visit.id);
            }
            Op::VoidVisit { dev, pick: p } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let visits: Vec<VisitId> = d
                    .store
                    .household(h.id)
                    .expect("household")
                    .visits
                    .into_iter()
                    .filter(|v| v.voided_reason.is_none())
                    .map(|v| v.id)
                    .collect();
                let Some(v) = pick(&visits, p) else { return };
                let member = d.member;
                d.store
                    .write(|b| b.void_visit(v, "Ghi nhầm", member))
                    .expect("void visit");
            }
            Op::MergeResidents {
                officer,
                pick: p,
                into,
                across,
            } => {
                let d = &mut self.devices[n - 2 + officer % 2];
                let listed = |villages: &[VillageId]| -> Vec<ResidentId> {
                    d.store
                        .list_households(villages)
                        .expect("list")
                        .iter()
                        .flat_map(|h| d.store.household(h.id).expect("household").residents)
                        .map(|r| r.resident.id)
                        .collect()
                };
                let (from, to) = if across {
                    let v = &self.villages;
                    let (a, b) = (v[p % v.len()], v[(p + 1) % v.len()]);
                    (listed(&[a]), listed(&[b]))
                } else {
                    (listed(&[]), listed(&[]))
                };
                let (Some(dup), Some(keep)) = (pick(&from, p), pick(&to, into)) else {
                    return;
                };
                if dup == keep {
                    return;
                }
                d.store
                    .write(|b| b.merge_resident(dup, keep))
                    .expect("merge residents");
            }
            Op::Unmerge { officer, pick: p } => {
                let d = &mut self.devices[n - 2 + officer % 2];
                let merged: Vec<ResidentId> = d
                    .store
                    .resident_roots()
                    .expect("roots")
                    .merged()
                    .map(|(id, _)| id)
                    .collect();
                let Some(id) = pick(&merged, p) else { return };
                d.store.write(|b| b.unmerge_resident(id)).expect("unmerge");
            }
            Op::Mark {
                dev,
                pick: p,
                visit,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let (kind, target) = if visit {
                    let visits = d.store.household(h.id).expect("household").visits;
                    let Some(v) = pick(&visits, p) else { return };
                    (EntityKind::Visit, v.id.0)
                } else {
                    (EntityKind::Household, h.id.0)
                };
                let author = d.member;
                let marked = d.store.write(|b| {
                    b.open_review(
                        author,
                        ReviewInput {
                            target_kind: kind,
                            target_id: target,
                            comment: format!("Xem lại {p}"),
                            assignee: None,
                        },
                    )
                });
                match marked {
                    Ok(m) => {
                        assert!(d.leader, "only a leader's device marks");
                        self.created.marks.insert(m.id);
                    }
                    Err(e) => assert!(!d.leader && e.code() == "not_allowed", "{e}"),
                }
            }
            Op::ResolveMark {
                dev,
                pick: p,
                reply,
            } => {
                let d = &mut self.devices[dev % n];
                let open: Vec<ReviewMarkId> = d
                    .store
                    .review_marks(ReviewQuery {
                        limit: 1000,
                        ..ReviewQuery::default()
                    })
                    .expect("marks")
                    .into_iter()
                    .filter(|i| i.mark.state == ReviewState::Open)
                    .map(|i| i.mark.id)
                    .collect();
                let Some(id) = pick(&open, p) else { return };
                let by = d.member;
                let words = reply.then(|| format!("Đã sửa {p}"));
                d.store
                    .write(|b| b.resolve_review(id, by, words.as_deref()))
                    .expect("resolve");
            }
            Op::ReopenMark { dev, pick: p } => {
                let d = &mut self.devices[dev % n];
                if !d.leader {
                    return;
                }
                let resolved: Vec<ReviewMarkId> = d
                    .store
                    .review_marks(ReviewQuery {
                        limit: 1000,
                        ..ReviewQuery::default()
                    })
                    .expect("marks")
                    .into_iter()
                    .filter(|i| i.mark.state == ReviewState::Resolved)
                    .map(|i| i.mark.id)
                    .collect();
                let Some(id) = pick(&resolved, p) else { return };
                let by = d.member;
                d.store
                    .write(|b| b.reopen_review(id, by, None))
                    .expect("reopen");
            }
            Op::Sync { dev, fault } => {
                if let Fault::Cut(direction, bytes) = fault {
                    self.proxy.cut_next(direction, bytes);
                }
                let d = &mut self.devices[dev % n];
                sync(&mut d.store, &options(), &mut |_| {}).expect("sync round (cuts are retried)");
            }
            Op::RelaySync { dev } => {
                let d = &mut self.devices[dev % n];
                if d.relayed {
                    let r = gocua_sync::client::sync_via_relay(&mut d.store, &options())
                        .expect("sync through the relay");
                    assert!(r.refused.is_empty(), "the relay refused: {r:?}");
                }
            }
            Op::RestartServer => {
                if let Some(s) = self.server.take() {
                    s.kill();
                }
                let s = RunningServer::start(&server_bin(), &self.data);
                self.proxy.set_target(s.addr);
                self.server = Some(s);
            }
            Op::Backup => self.backup(),
            Op::RestoreServer { pick: p } => {
                let Some(from) = pick(&self.backups, p) else {
                    return;
                };
                if let Some(s) = self.server.take() {
                    s.kill();
                }
                admin(
                    &server_bin(),
                    &self.data,
                    &["restore", "--from", from.to_str().expect("a path")],
                );
                let s = RunningServer::start(&server_bin(), &self.data);
                self.proxy.set_target(s.addr);
                self.server = Some(s);
            }
        }
    }
}
