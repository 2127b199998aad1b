//! In the field: the XLSForm (checked by pyxform, and ODK Validate where Java is), CSV
//! exports in KoboToolbox's and ODK Central's shapes built from that form and imported back
//! (once; an edit as a revision), bad files refused with nothing written, and the stories
//! out as CSV/XLSX — through the service, the API, the pages and the command line.

use crate::helpers::{
    TestApp, call, community_with_convening, get_page, postgres_store, sign_in, skip, spawn_app, spawn_configured,
    sqlite_store, token_for,
};
use calamine::Reader;
use convene::service::field::{self, ImportOptions, ImportReport};
use convene::service::{Actor, ServiceError};
use convene::store::DynStore;
use std::collections::HashMap;

// ---------------------------------------------------------------- the form, read back

/// A question of the exported form: its group path and type.
#[derive(Debug, Clone)]
pub(crate) struct Question {
    groups: Vec<String>,
    name: String,
    kind: String,
    choices: Vec<String>,
}

/// Reads the exported `.xlsx` back (calamine): the questions that an export has columns
/// for, with their groups and, for `select_multiple`, their choices; and the settings.
fn read_form(xlsx: &[u8]) -> (Vec<Question>, HashMap<String, String>) {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.to_vec())).expect("an xlsx");
    let cell = |r: &[calamine::Data], i: usize| r.get(i).map(ToString::to_string).unwrap_or_default();
    let choices = book.worksheet_range("choices").expect("choices sheet");
    let mut lists: HashMap<String, Vec<String>> = HashMap::new();
    for r in choices.rows().skip(1) {
        lists.entry(cell(r, 0)).or_default().push(cell(r, 1));
    }
    let survey = book.worksheet_range("survey").expect("survey sheet");
    let head: Vec<String> = survey.rows().next().unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(&head[..2], ["type", "name"]);
    for lang in ["English (en)", "Français (fr)", "Español (es)", "Português (pt)"] {
        assert!(head.contains(&format!("label::{lang}")), "{lang}");
    }
    let mut groups = Vec::new();
    let mut out = Vec::new();
    for r in survey.rows().skip(1) {
        let (kind, name) = (cell(r, 0), cell(r, 1));
        match kind.as_str() {
            "begin_group" => groups.push(name),
            "end_group" => {
                groups.pop();
            }
            "note" | "start" | "end" => {}
            k => {
                let list = k.split_whitespace().nth(1).unwrap_or_default();
                let choices = lists.get(list).cloned().unwrap_or_default();
                out.push(Question {
                    groups: groups.clone(),
                    name,
                    kind: k.split_whitespace().next().unwrap().into(),
                    choices,
                });
            }
        }
    }
    let settings = book.worksheet_range("settings").expect("settings sheet");
    let mut rows = settings.rows();
    let keys: Vec<String> = rows.next().unwrap().iter().map(ToString::to_string).collect();
    let values: Vec<String> = rows.next().unwrap().iter().map(ToString::to_string).collect();
    (out, keys.into_iter().zip(values).collect())
}

/// One submission as a field team would have made it.
#[derive(Clone)]
pub(crate) struct Sub {
    key: &'static str,
    instance: &'static str,
    at: &'static str,
    answers: Vec<(&'static str, &'static str)>,
}

pub(crate) fn sub(key: &'static str, at: &'static str, answers: &[(&'static str, &'static str)]) -> Sub {
    Sub { key, instance: key, at, answers: answers.to_vec() }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn answer<'a>(s: &'a Sub, q: &Question, settings: &'a HashMap<String, String>) -> String {
    match q.name.as_str() {
        "convene_form" => settings["form_id"].clone(),
        "convene_version" => settings["version"].clone(),
        n => s.answers.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_string()).unwrap_or_default(),
    }
}

/// A KoboToolbox CSV export: `;`, every field quoted, group paths in the headers when
/// `groups`, select_multiple as one column and one 0/1 column per choice, an HXL row, and
/// the system columns.
pub(crate) fn kobo_csv(form: &[Question], settings: &HashMap<String, String>, subs: &[Sub], groups: bool) -> String {
    let path = |q: &Question| {
        if groups && !q.groups.is_empty() { format!("{}/{}", q.groups.join("/"), q.name) } else { q.name.clone() }
    };
    let mut head = vec!["start".to_string(), "end".to_string()];
    for q in form {
        head.push(path(q));
        if q.kind == "select_multiple" {
            head.extend(q.choices.iter().map(|c| format!("{}/{c}", path(q))));
        }
    }
    head.extend(
        [
            "_id",
            "_uuid",
            "_submission_time",
            "_validation_status",
            "_notes",
            "_status",
            "_submitted_by",
            "__version__",
            "_tags",
            "meta/rootUuid",
            "_index",
        ]
        .map(String::from),
    );
    let mut out = head.iter().map(|h| quote(h)).collect::<Vec<_>>().join(";") + "\n";
    out +=
        &head.iter().map(|h| if h == "_uuid" { quote("#meta+uuid") } else { quote("") }).collect::<Vec<_>>().join(";");
    out += "\n";
    for (i, s) in subs.iter().enumerate() {
        let mut cells = vec![s.at.to_string(), s.at.to_string()];
        for q in form {
            let v = answer(s, q, settings);
            cells.push(v.clone());
            if q.kind == "select_multiple" {
                let ticked: Vec<&str> = v.split_whitespace().collect();
                cells
                    .extend(q.choices.iter().map(|c| if ticked.contains(&c.as_str()) { "1" } else { "0" }.to_string()));
            }
        }
        let at = s.at.trim_end_matches('Z');
        cells.extend([
            (i + 100).to_string(),
            s.instance.to_string(),
            at.to_string(),
            String::new(),
            "[]".into(),
            "submitted_via_web".into(),
            String::new(),
            "vAbC123".into(),
            "[]".into(),
            format!("uuid:{}", s.key),
            (i + 1).to_string(),
        ]);
        out += &cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(";");
        out += "\n";
    }
    out
}

/// An ODK Central CSV export: `,`, `-` between groups, `SubmissionDate` first, `KEY` last
/// but the tail columns.
fn odk_csv(form: &[Question], settings: &HashMap<String, String>, subs: &[Sub]) -> String {
    let path =
        |q: &Question| if q.groups.is_empty() { q.name.clone() } else { format!("{}-{}", q.groups.join("-"), q.name) };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["SubmissionDate".to_string(), "start".into(), "end".into()];
    head.extend(form.iter().map(path));
    head.extend(
        [
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "SubmitterName",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "ReviewState",
            "DeviceID",
            "Edits",
            "FormVersion",
        ]
        .map(String::from),
    );
    w.write_record(&head).unwrap();
    for s in subs {
        let mut cells = vec![s.at.replace('Z', ".000Z"), s.at.to_string(), s.at.to_string()];
        cells.extend(form.iter().map(|q| answer(s, q, settings)));
        cells.extend([
            format!("uuid:{}", s.instance),
            format!("uuid:{}", s.key),
            "5".into(),
            "enumerator".into(),
            "0".into(),
            "0".into(),
            String::new(),
            String::new(),
            "collect:x".into(),
            "0".into(),
            settings["version"].clone(),
        ]);
        w.write_record(&cells).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

pub(crate) fn stories_of_the_field() -> Vec<Sub> {
    vec![
        sub(
            "a1",
            "2026-03-11T09:00:00Z",
            &[
                ("participant_name", "Amina Diallo"),
                ("story_title", "Un atelier qui a changé notre façon de travailler"),
                ("story_language", "fr"),
                ("story_visibility", "public"),
                ("story_show_name", "yes"),
                ("immediate_text", "Nous avons rencontré l’équipe de Dakar; \"enfin\"."),
                ("immediate_kind", "realized"),
                ("immediate_indicators", "networking participation"),
                ("applied_text", "Nous allons essayer leur méthode.\nDeuxième ligne."),
                ("applied_kind", "aspirational"),
            ],
        ),
        sub(
            "b2",
            "2026-03-11T10:30:00Z",
            &[
                ("participant_name", "Kofi"),
                ("story_title", "=SUM(1+1)"),
                ("story_language", "en"),
                ("story_visibility", "stewards"),
                ("story_show_name", "no"),
                ("potential_text", "A new contact in Accra."),
                ("potential_kind", "realized"),
            ],
        ),
    ]
}

pub(crate) async fn export_form(store: &DynStore, cv: i64) -> (Vec<Question>, HashMap<String, String>) {
    let (_, bytes) = field::xlsform(store, &Actor::Operator, cv, None).await.unwrap();
    read_form(&bytes)
}

fn opts() -> ImportOptions {
    ImportOptions { max_bytes: 16 * 1024 * 1024, ..ImportOptions::default() }
}

async fn import(store: &DynStore, cv: i64, csv: &str, o: &ImportOptions) -> Result<ImportReport, ServiceError> {
    field::import_submissions(store, &Actor::Operator, cv, Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())), o)
        .await
}

async fn second_convening(store: &DynStore, slug: &str) -> i64 {
    let c = store.community(slug).await.unwrap().unwrap();
    let d = convene::domain::convening::ConveningDraft {
        title: "Second".into(),
        mode: "virtual".into(),
        starts_on: "2026-03-10".into(),
        ends_on: "2026-03-10".into(),
        status: "held".into(),
        ..Default::default()
    };
    store.create_convening(c.id, &d.validate().unwrap()).await.unwrap().id
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn the_xlsform_passes_pyxform_and_odk_validate() {
    let Some(python) = std::env::var("CONVENE_TEST_PYTHON").ok().filter(|p| {
        std::process::Command::new(p).args(["-c", "import pyxform"]).output().is_ok_and(|o| o.status.success())
    }) else {
        skip("pyxform (run ./scripts/test.sh, which installs scripts/test-requirements.txt)");
        return;
    };
    let (store, _dir) = sqlite_store().await;
    let (_, _, cv) = community_with_convening(&store, "form").await;
    let dir = tempfile::tempdir().unwrap();
    let draft = convene::domain::wave::WaveDraft {
        name: "+3 months".into(),
        opens_on: "2026-06-10".into(),
        cycles: vec!["applied".into()],
        ..Default::default()
    };
    let wave = convene::service::waves::add_wave(&store, &Actor::Operator, cv, &draft).await.unwrap().id;
    for (name, wave) in [("all", None), ("wave", Some(wave))] {
        let (file, bytes) = field::xlsform(&store, &Actor::Operator, cv, wave).await.unwrap();
        assert!(file.starts_with("convene_c"), "{file}");
        let xlsx = dir.path().join(format!("{name}.xlsx"));
        let xml = dir.path().join(format!("{name}.xml"));
        std::fs::write(&xlsx, &bytes).unwrap();
        let java = std::process::Command::new("java").arg("-version").output().is_ok_and(|o| o.status.success());
        let mut args =
            vec!["-m".to_string(), "pyxform.xls2xform".into(), xlsx.display().to_string(), xml.display().to_string()];
        if !java {
            skip("ODK Validate (install a JRE: default-jre-headless)");
            args.push("--skip_validate".into());
        }
        let out = std::process::Command::new(&python).args(&args).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "xls2xform refused the form:\n{said}");
        assert!(!said.to_lowercase().contains("error"), "{said}");
        let xform = std::fs::read_to_string(&xml).unwrap();
        assert!(xform.contains("Français (fr)") && xform.contains("Português (pt)"), "every language");
        let (form, settings) = read_form(&bytes);
        assert!(xform.contains(&format!("version=\"{}\"", settings["version"])), "the version");
        if wave.is_some() {
            assert!(form.iter().all(|q| q.groups.is_empty() || q.groups == ["c_applied"]), "only the wave's cycle");
        }
    }
}

/// The stories of a convening as comparable values (no ids).
async fn comparable(store: &DynStore, cv: i64) -> Vec<(String, String, String, bool, String, String, String)> {
    let mut out: Vec<_> = store
        .stories(cv)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.title,
                s.language,
                s.visibility.as_str().to_string(),
                s.show_name,
                s.teller_name,
                s.created_at,
                serde_json::to_string(&s.steps).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn kobo_and_odk_round_trip(store: DynStore) {
    let (_, _, cv) = community_with_convening(&store, "trip").await;
    let other = second_convening(&store, "trip").await;
    let (form, settings) = export_form(&store, cv).await;
    let subs = stories_of_the_field();
    let kobo = kobo_csv(&form, &settings, &subs, true);
    let before = store.participants(cv).await.unwrap().len();
    let dry = import(&store, cv, &kobo, &ImportOptions { dry_run: true, ..opts() }).await.unwrap();
    assert_eq!((dry.created, dry.committed), (2, false), "{dry:?}");
    assert_eq!(store.participants(cv).await.unwrap().len(), before, "a dry run adds no guest");
    let r = import(&store, cv, &kobo, &opts()).await.unwrap();
    assert_eq!((r.source, r.rows, r.created, r.bad_rows, r.committed), ("kobo", 2, 2, 0, true), "{r:?}");
    assert_eq!(r.file_versions, [settings["version"].clone()]);
    // The same rows from ODK Central, into the other convening (its own form id).
    let (form2, settings2) = export_form(&store, other).await;
    let odk = odk_csv(&form2, &settings2, &subs);
    let r = import(&store, other, &odk, &opts()).await.unwrap();
    assert_eq!((r.source, r.created, r.bad_rows), ("odk", 2, 0), "{r:?}");
    let a = comparable(&store, cv).await;
    assert_eq!(a, comparable(&store, other).await, "both tools give the same stories, field by field");
    let amina = a.iter().find(|s| s.4 == "Amina Diallo").unwrap();
    assert_eq!(amina.0, "Un atelier qui a changé notre façon de travailler");
    assert_eq!((amina.1.as_str(), amina.2.as_str(), amina.3), ("fr", "public", true));
    assert_eq!(amina.5, "2026-03-11T09:00:00Z", "told when it was submitted");
    let steps: Vec<convene::domain::story::Step> = serde_json::from_str(&amina.6).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].text, "Nous avons rencontré l’équipe de Dakar; \"enfin\".");
    assert_eq!(steps[0].indicators, ["networking", "participation"]);
    assert_eq!((steps[1].cycle.as_str(), steps[1].kind.as_str()), ("applied", "aspirational"));
    assert_eq!(steps[1].text, "Nous allons essayer leur méthode.\nDeuxième ligne.");
    // Headers without group paths (KoboToolbox's default) read the same.
    let third = second_convening(&store, "trip").await;
    let (form3, settings3) = export_form(&store, third).await;
    let r = import(&store, third, &kobo_csv(&form3, &settings3, &subs, false), &opts()).await.unwrap();
    assert_eq!(r.created, 2);
    assert_eq!(comparable(&store, third).await, a);
    // Each submission without a code added one guest, a participant without an account
    // named as in the form, who tells its story: the base of the matrix counts them.
    let participants = store.participants(cv).await.unwrap();
    assert_eq!(participants.len(), before + 2, "one guest per submission without a code");
    for s in store.stories(cv).await.unwrap() {
        let guest = participants.iter().find(|p| Some(p.id) == s.participant_id).expect("the story's guest");
        assert_eq!((guest.user_id, guest.name.as_str(), s.teller_user_id), (None, s.teller_name.as_str(), None));
    }
    // Importing the file again adds no guest.
    import(&store, cv, &kobo, &opts()).await.unwrap();
    assert_eq!(store.participants(cv).await.unwrap().len(), before + 2);
}

#[tokio::test]
async fn kobo_and_odk_exports_of_the_form_come_back_as_the_same_stories() {
    let (store, _dir) = sqlite_store().await;
    kobo_and_odk_round_trip(store).await;
}

#[tokio::test]
async fn kobo_and_odk_exports_come_back_the_same_on_postgres() {
    let Some(store) = postgres_store().await else { return };
    kobo_and_odk_round_trip(store).await;
}

#[tokio::test]
async fn reimporting_adds_nothing_twice_and_an_edited_submission_becomes_a_revision() {
    let (store, _dir) = sqlite_store().await;
    let (_, _, cv) = community_with_convening(&store, "again").await;
    let (form, settings) = export_form(&store, cv).await;
    let subs = stories_of_the_field();
    import(&store, cv, &kobo_csv(&form, &settings, &subs, true), &opts()).await.unwrap();
    let again = import(&store, cv, &kobo_csv(&form, &settings, &subs, true), &opts()).await.unwrap();
    assert_eq!((again.created, again.unchanged, again.revised), (0, 2, 0));
    assert_eq!(store.stories(cv).await.unwrap().len(), 2);
    // A later export: the earlier rows, one edited on the server (same root, new _uuid),
    // and a new one.
    let mut later = subs.clone();
    later[1].instance = "b2-edit";
    later[1].answers.retain(|(k, _)| *k != "potential_text");
    later[1].answers.push(("potential_text", "A new contact in Accra, and a visit planned."));
    later[1].at = "2026-03-12T08:00:00Z";
    later.push(sub(
        "c3",
        "2026-03-12T09:00:00Z",
        &[
            ("participant_name", "Ana"),
            ("story_title", "Third"),
            ("story_visibility", "community"),
            ("realized_text", "Cheaper."),
        ],
    ));
    let r = import(&store, cv, &kobo_csv(&form, &settings, &later, true), &opts()).await.unwrap();
    assert_eq!((r.created, r.revised, r.unchanged), (1, 1, 1), "{r:?}");
    let stories = store.stories(cv).await.unwrap();
    assert_eq!(stories.len(), 3);
    let edited = stories.iter().find(|s| s.teller_name == "Kofi").unwrap();
    assert_eq!(edited.revision, 2);
    assert_eq!(edited.steps[0].text, "A new contact in Accra, and a visit planned.");
    let history = store.story_revisions(edited.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].steps[0].text, "A new contact in Accra.");
    // The same file once more: nothing changes; ODK's KEY works the same way.
    let r = import(&store, cv, &kobo_csv(&form, &settings, &later, true), &opts()).await.unwrap();
    assert_eq!((r.created, r.revised, r.unchanged), (0, 0, 3));
    // A story a steward deleted does not come back.
    store.delete_story(edited.id).await.unwrap();
    let r = import(&store, cv, &kobo_csv(&form, &settings, &later, true), &opts()).await.unwrap();
    assert_eq!((r.created, r.unchanged), (0, 3));
}

/// A convening's first import looks up only the keys it may have written itself (a
/// filter of them): a key repeated two batches apart is still caught, and guests and
/// stories get ids that match (each story's guest bears its teller's name).
#[tokio::test]
async fn a_first_import_catches_a_key_repeated_batches_apart() {
    let (store, _dir) = sqlite_store().await;
    let (_, _, cv) = community_with_convening(&store, "far").await;
    let (form, settings) = export_form(&store, cv).await;
    let mut subs: Vec<Sub> = (0..1200)
        .map(|i| {
            let key: &'static str = Box::leak(format!("far-{i}").into_boxed_str());
            let name: &'static str = Box::leak(format!("Teller {i}").into_boxed_str());
            let answers = [
                ("participant_name", name),
                ("story_title", "T"),
                ("story_visibility", "community"),
                ("immediate_text", "x"),
            ];
            sub(key, "2026-03-11T09:00:00Z", &answers)
        })
        .collect();
    subs.push(subs[7].clone());
    let csv = kobo_csv(&form, &settings, &subs, true);
    let r = import(&store, cv, &csv, &opts()).await.unwrap();
    assert!(!r.committed);
    assert_eq!((r.rows, r.bad_rows), (1201, 1), "{:?}", &r.errors[..r.errors.len().min(3)]);
    // Rows 1 and 2 are the header and HXL tags: submission 8 is row 10.
    assert!(r.errors[0].code == "err-fieldwork-row-twice" && r.errors[0].message.contains("row 10"), "{:?}", r.errors);
    let r = import(&store, cv, &csv, &ImportOptions { skip_bad: true, ..opts() }).await.unwrap();
    assert_eq!((r.committed, r.created, r.bad_rows), (true, 1200, 1));
    let participants: HashMap<i64, String> =
        store.participants(cv).await.unwrap().into_iter().map(|p| (p.id, p.name)).collect();
    let stories = store.stories(cv).await.unwrap();
    assert_eq!(stories.len(), 1200);
    for s in &stories {
        assert_eq!(participants.get(&s.participant_id.unwrap()), Some(&s.teller_name), "story {}", s.id);
        assert_eq!(s.steps.len(), 1, "story {}", s.id);
    }
    // The next import looks every key up: each row, the repeat too, is already there.
    let r = import(&store, cv, &csv, &opts()).await.unwrap();
    assert_eq!((r.created, r.unchanged, r.bad_rows), (0, 1201, 0), "{:?}", &r.errors[..r.errors.len().min(3)]);
}

fn refusal(r: Result<ImportReport, ServiceError>) -> (String, String) {
    match r {
        Err(ServiceError::Invalid(v)) => (v[0].code.to_string(), v[0].message.clone()),
        other => panic!("expected a refused file, got {other:?}"),
    }
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // every kind of bad file, then the good rows
async fn bad_files_are_refused_whole_with_every_error_and_nothing_written() {
    let (store, _dir) = sqlite_store().await;
    let (steward, _, cv) = community_with_convening(&store, "bad").await;
    let (form, settings) = export_form(&store, cv).await;
    let good = kobo_csv(&form, &settings, &stories_of_the_field(), true);
    let header = good.lines().next().unwrap().to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("binary", b"PK\x03\x04\x14\x00\x00\x00\x08\x00garbage\x00\x00".to_vec(), "err-fieldwork-binary"),
        ("empty", Vec::new(), "err-fieldwork-empty"),
        ("only a header", format!("{header}\n").into_bytes(), "err-fieldwork-no-rows"),
        ("tabs", good.replace(';', "\t").into_bytes(), "err-fieldwork-delimiter"),
        ("another form", b"name,email,link\nA,a@x.org,http://x\n".to_vec(), "err-fieldwork-unknown-form"),
        ("labels", good.replacen("\"story_title\"", "\"Title of your story\"", 1).into_bytes(), "err-fieldwork-labels"),
    ];
    for (what, bytes, code) in cases {
        let r = field::import_submissions(&store, &Actor::Operator, cv, Box::new(std::io::Cursor::new(bytes)), &opts())
            .await;
        let (got, message) = refusal(r);
        assert_eq!(got, code, "{what}: {message}");
        if what == "labels" {
            assert!(message.contains("XML values and headers"), "{message}");
        }
    }
    // Bad rows: a date in the future, a row twice, an unknown participant code. Every
    // error is listed with its row and column, and nothing is written.
    let mut subs = stories_of_the_field();
    subs.push(sub(
        "f4",
        "2099-01-01T00:00:00Z",
        &[
            ("participant_name", "Zed"),
            ("story_title", "Later"),
            ("story_visibility", "public"),
            ("immediate_text", "x"),
        ],
    ));
    subs.push(subs[0].clone());
    subs.push(sub(
        "u5",
        "2026-03-11T11:00:00Z",
        &[
            ("participant_code", "P999"),
            ("story_title", "Who?"),
            ("story_visibility", "public"),
            ("immediate_text", "y"),
        ],
    ));
    let csv = kobo_csv(&form, &settings, &subs, true);
    let participants = store.participants(cv).await.unwrap().len();
    let r = import(&store, cv, &csv, &opts()).await.unwrap();
    assert!(!r.committed);
    assert_eq!((r.rows, r.bad_rows), (5, 3), "{r:?}");
    let at: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    // Row 1 is the header, row 2 the HXL tags: the data starts at row 3.
    assert!(at.contains(&(5, "_submission_time")), "{at:?}");
    assert!(r.errors.iter().any(|e| e.row == 6 && e.message.contains("row 3")), "{:?}", r.errors);
    assert!(at.contains(&(7, "participant_code")), "{at:?}");
    assert!(store.stories(cv).await.unwrap().is_empty(), "nothing written");
    assert_eq!(store.participants(cv).await.unwrap().len(), participants, "no guest either");
    let codes: Vec<&str> = r.errors.iter().map(|e| e.code).collect();
    assert!(
        codes.contains(&"err-fieldwork-row-future") && codes.contains(&"err-fieldwork-row-unknown-code"),
        "each error has a stable code: {codes:?}"
    );
    // Asked to, the good rows go in and the bad ones are listed.
    let r = import(&store, cv, &csv, &ImportOptions { skip_bad: true, ..opts() }).await.unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.bad_rows, r.errors.len()), (2, 3, 3));
    assert_eq!(store.stories(cv).await.unwrap().len(), 2);
    // A code that names a participant makes the story theirs.
    let p = store.participants(cv).await.unwrap().into_iter().find(|p| p.user_id == Some(steward.id)).unwrap();
    let code = convene::interop::submissions::participant_code(p.id);
    let coded = sub(
        "p6",
        "2026-03-11T12:00:00Z",
        &[
            ("participant_code", "CODE"),
            ("story_title", "Mine"),
            ("story_visibility", "stewards"),
            ("immediate_text", "z"),
        ],
    );
    let csv = kobo_csv(&form, &settings, &[coded], true).replace("\"CODE\"", &format!("\"{code}\""));
    let before = store.participants(cv).await.unwrap().len();
    let r = import(&store, cv, &csv, &opts()).await.unwrap();
    assert_eq!(r.created, 1, "{r:?}");
    assert_eq!(store.participants(cv).await.unwrap().len(), before, "a code adds no guest");
    let mine = store.stories(cv).await.unwrap().into_iter().find(|s| s.title == "Mine").unwrap();
    assert_eq!(
        (mine.teller_user_id, mine.participant_id, mine.teller_name.as_str()),
        (Some(steward.id), Some(p.id), "Stella Steward")
    );
}

#[tokio::test]
async fn a_file_of_another_form_version_says_what_differs_and_imports_on_request() {
    let (store, _dir) = sqlite_store().await;
    let (steward, _, cv) = community_with_convening(&store, "older").await;
    let (form, settings) = export_form(&store, cv).await;
    // The steward drops the "networking" indicator: a new form version.
    let mut fw = convene::domain::framework::preset("km4dev-experiment").unwrap().clone();
    fw.cycles[0].indicators.retain(|i| i.key != "networking");
    convene::service::communities::save_framework(&store, &Actor::User(steward), "older", &fw.to_toml()).await.unwrap();
    let (_, now) = export_form(&store, cv).await;
    assert_ne!(now["version"], settings["version"]);
    assert_eq!(now["form_id"], settings["form_id"], "the form id stays");
    let csv = kobo_csv(&form, &settings, &stories_of_the_field(), true);
    let (code, message) = refusal(import(&store, cv, &csv, &opts()).await);
    assert_eq!(code, "err-fieldwork-other-version");
    assert!(message.contains(&settings["version"]) && message.contains("networking"), "{message}");
    assert!(store.stories(cv).await.unwrap().is_empty());
    let r = import(&store, cv, &csv, &ImportOptions { other_version: true, ..opts() }).await.unwrap();
    assert_eq!((r.created, r.dropped_answers), (2, 1), "{r:?}");
    assert_eq!(r.file_versions, [settings["version"].clone()]);
    let amina = store.stories(cv).await.unwrap().into_iter().find(|s| s.teller_name == "Amina Diallo").unwrap();
    assert_eq!(amina.steps[0].indicators, ["participation"]);
}

#[tokio::test]
async fn the_api_imports_the_body_as_a_stream_with_a_dry_run_and_a_size_limit() {
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, "api").await;
    let (form, settings) = export_form(&app.store, cv).await;
    let csv = kobo_csv(&form, &settings, &stories_of_the_field(), true);
    let post = |token: Option<String>, query: &str, body: String| {
        let mut r = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/convenings/{cv}/submissions{query}")))
            .header("content-type", "text/csv")
            .body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let r = post(None, "", csv.clone()).await.unwrap();
    assert_eq!(r.status(), 401);
    let m = token_for(&app, member.id).await;
    let r = post(Some(m), "", csv.clone()).await.unwrap();
    assert_eq!(r.status(), 403);
    let s = token_for(&app, steward.id).await;
    let r = post(Some(s.clone()), "?dry_run=true", csv.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let report: serde_json::Value = r.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["committed"].as_bool()), (Some(2), Some(false)));
    assert!(app.store.stories(cv).await.unwrap().is_empty(), "a dry run writes nothing");
    let r = post(Some(s.clone()), "", csv.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.store.stories(cv).await.unwrap().len(), 2);
    // Bad rows: 422 with the whole report.
    let bad = csv
        .replace("2026-03-11T10:30:00", "2099-03-11T10:30:00")
        .replace("uuid:b2", "uuid:b9")
        .replace("\"b2\"", "\"b9\"");
    let r = post(Some(s.clone()), "", bad.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_rows");
    assert_eq!(body["report"]["errors"][0]["column"], "_submission_time");
    assert_eq!(body["report"]["errors"][0]["code"], "fieldwork_row_future");
    assert!(body["report"]["errors"][0]["message"].as_str().unwrap().contains("is in the future"));
    let r = post(Some(s.clone()), "?skip_bad=true", bad).await.unwrap();
    assert_eq!(r.status(), 200);
    // Garbage: the JSON error with its code.
    let r = post(Some(s.clone()), "", "\u{0}\u{1}binary".into()).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "fieldwork_binary");
    // Beyond the configured limit: 413, whether the length is declared or not.
    let (small, dir) = sqlite_store().await;
    let (steward2, _, cv2) = community_with_convening(&small, "small").await;
    let mut config = convene::config::Config::default();
    config.limits.submission_file_bytes = 2048;
    let app2 = spawn_configured(small, Some(dir), config).await;
    let t2 = token_for(&app2, steward2.id).await;
    let big = csv.repeat(200);
    let r = reqwest::Client::new()
        .post(app2.url(&format!("/api/v1/convenings/{cv2}/submissions")))
        .bearer_auth(&t2)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "too_large");
    let answer = chunked_post(app2.addr, &format!("/api/v1/convenings/{cv2}/submissions"), &t2, big.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "a streamed body without a length: {answer}");
    assert!(answer.contains("too_large"), "{answer}");
    assert!(app2.store.stories(cv2).await.unwrap().is_empty());
}

/// Posts `body` in chunks (`Transfer-Encoding: chunked`, no declared length) and returns
/// the raw answer.
async fn chunked_post(addr: std::net::SocketAddr, path: &str, token: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes()).await;
    for c in body.chunks(1000) {
        if s.write_all(format!("{:x}\r\n", c.len()).as_bytes()).await.is_err()
            || s.write_all(c).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn stories_go_out_as_csv_and_xlsx_as_each_reader_may_see_them() {
    let app = spawn_app().await;
    let (steward, _, cv) = community_with_convening(&app.store, "out").await;
    let (form, settings) = export_form(&app.store, cv).await;
    import(&app.store, cv, &kobo_csv(&form, &settings, &stories_of_the_field(), true), &opts()).await.unwrap();
    let s = token_for(&app, steward.id).await;
    let get = |path: String, token: Option<String>| {
        let mut r = reqwest::Client::new().get(app.url(&path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    // The steward sees both stories, three steps, every name; the formula is neutralised.
    let r = get(format!("/api/v1/convenings/{cv}/stories.csv?bom=true"), Some(s.clone())).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "the byte-order mark");
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), convene::interop::stories_csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| convene::interop::stories_csv::COLUMNS.iter().position(|c| *c == name).unwrap();
    assert!(rows.iter().any(|r| &r[col("title")] == "'=SUM(1+1)" && &r[col("teller")] == "Kofi"));
    assert!(rows.iter().any(|r| &r[col("text")] == "Nous allons essayer leur méthode.\nDeuxième ligne."));
    assert!(rows.iter().any(|r| &r[col("indicators")] == "networking participation"));
    // Anyone without an account: only the public story, and only because its teller showed
    // their name does the name appear.
    let r = get(format!("/api/v1/convenings/{cv}/stories.csv"), None).await.unwrap();
    let text = r.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "the stewards-only story is left out");
    assert!(rows.iter().all(|r| &r[col("visibility")] == "public" && &r[col("teller")] == "Amina Diallo"));
    assert!(!text.contains("Kofi") && !text.contains("SUM"));
    // XLSX, read back.
    let r = get(format!("/api/v1/convenings/{cv}/stories.xlsx"), Some(s)).await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("stories").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], convene::interop::stories_csv::COLUMNS);
    assert!(rows.iter().any(|r| r[col("title")] == "'=SUM(1+1)"));
    // The XLSForm is for stewards.
    let (status, body) = call(&app, "GET", &format!("/api/v1/convenings/{cv}/xlsform"), None, None).await;
    assert_eq!(status, 403, "{body}");
    let r = get(format!("/api/v1/convenings/{cv}/xlsform"), Some(token_for(&app, steward.id).await)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

/// Uploads a file on the page as a reader of `lang`, expects it refused (422) and returns
/// the page.
async fn refused(c: &reqwest::Client, url: &str, fields: &[(&str, &str)], file: &[u8], lang: &str) -> String {
    let (ctype, body) = multipart(fields, file);
    let r = c.post(url).header("content-type", &ctype).header("accept-language", lang).body(body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    r.text().await.unwrap()
}

fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "convene-test-boundary-7d93";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Signs `email` in on `c` and gives the field page's upload address (the form's token
/// travels in it).
async fn upload_action(app: &TestApp, c: &reqwest::Client, email: &str, cv: i64) -> String {
    sign_in(app, c, email).await;
    let (_, csrf) = get_page(c, &app.url(&format!("/convenings/{cv}/field"))).await;
    format!("/convenings/{cv}/field/upload?csrf={}", urlencode(&csrf))
}

#[tokio::test]
async fn an_upload_beyond_the_limit_comes_back_to_the_page_with_the_reason_and_nothing_is_saved() {
    let (store, dir) = sqlite_store().await;
    let (steward, _, cv) = community_with_convening(&store, "limit").await;
    let (form, settings) = export_form(&store, cv).await;
    let csv = kobo_csv(&form, &settings, &stories_of_the_field(), false);
    // A limit just above the sample, in whole KiB.
    let kib = csv.len() / 1024 + 1;
    let mut config = convene::config::Config::default();
    config.limits.submission_file_bytes = kib * 1024;
    let app = spawn_configured(store, Some(dir), config).await;
    let c = app.client();
    let action = upload_action(&app, &c, &steward.email, cv).await;
    let page = refused(&c, &app.url(&action), &[("skip_bad", "1")], csv.repeat(20).as_bytes(), "fr").await;
    assert!(page.contains("Le fichier dépasse la taille que ce serveur accepte."), "{page}");
    assert!(page.contains(&format!("{kib} KiB")), "the limit is said: {page}");
    assert!(page.contains("name=\"skip_bad\" value=\"1\" checked"), "the steward's choice is kept");
    assert!(app.store.stories(cv).await.unwrap().is_empty());
    // Within the limit the same form works.
    let (ctype, body) = multipart(&[], csv.as_bytes());
    let r = c.post(app.url(&action)).header("content-type", &ctype).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_refused_file_is_explained_in_the_readers_language() {
    let app = spawn_app().await;
    let (steward, _, cv) = community_with_convening(&app.store, "langs").await;
    let (form, settings) = export_form(&app.store, cv).await;
    let csv = kobo_csv(&form, &settings, &stories_of_the_field(), false);
    let c = app.client();
    let action = upload_action(&app, &c, &steward.email, cv).await;
    let bad = csv.replacen("\"_id\"", "\"couleur\"", 1);
    // Without the box ticked, the file from another form is refused, and the page says why
    // in French, naming the versions and what differs (no English detail).
    let page = refused(&c, &app.url(&action), &[], bad.as_bytes(), "fr").await;
    assert!(page.contains("du formulaire\u{a0}; celui de cette rencontre est en version"), "{page}");
    assert!(page.contains("Colonnes qui ne correspondent à aucune question de ce formulaire\u{a0}: couleur"), "{page}");
    assert!(!page.contains("What differs") && !page.contains("this convening"), "no English left: {page}");
    // A file separated by tabs: the reason names them, in the reader's language.
    let (head, rest) = csv.split_once('\n').unwrap();
    let tabbed = format!("{}\n{rest}", head.replace(';', "\t"));
    let page = refused(&c, &app.url(&action), &[], tabbed.as_bytes(), "es").await;
    assert!(page.contains("Las columnas están separadas por tabuladores"), "{page}");
    assert!(!page.contains("separated by"), "no English left: {page}");
    assert!(app.store.stories(cv).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_steward_uploads_an_export_sees_a_preview_and_confirms() {
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, "web").await;
    let (form, settings) = export_form(&app.store, cv).await;
    let csv = kobo_csv(&form, &settings, &stories_of_the_field(), false);
    let c = app.client();
    sign_in(&app, &c, &steward.email).await;
    let (page, csrf) = get_page(&c, &app.url(&format!("/convenings/{cv}/field"))).await;
    assert!(
        page.contains("enctype=\"multipart/form-data\"") && page.contains(&format!("/convenings/{cv}/field/xlsform"))
    );
    let (ctype, body) = multipart(&[], csv.as_bytes());
    // Without the token in the form's action, the upload is refused.
    let r = c
        .post(app.url(&format!("/convenings/{cv}/field/upload")))
        .header("content-type", &ctype)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let action = format!("/convenings/{cv}/field/upload?csrf={}", urlencode(&csrf));
    let r = c.post(app.url(&action)).header("content-type", &ctype).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let preview = r.text().await.unwrap();
    assert!(preview.contains("Un atelier qui a changé notre façon de travailler"), "the preview lists the stories");
    assert!(app.store.stories(cv).await.unwrap().is_empty(), "nothing is saved before confirming");
    let token = preview.split("name=\"token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = c
        .post(app.url(&format!("/convenings/{cv}/field/confirm")))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"counts\""));
    assert_eq!(app.store.stories(cv).await.unwrap().len(), 2);
    // The spooled file is gone: confirming twice imports nothing twice.
    let r = c
        .post(app.url(&format!("/convenings/{cv}/field/confirm")))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.store.stories(cv).await.unwrap().len(), 2);
    // A file that is not CSV comes back to the page with the reason, in the reader's language.
    let page = refused(&c, &app.url(&action), &[("skip_bad", "1")], b"\x00\x01\x02PK", "fr").await;
    assert!(page.contains("Ce n’est pas un fichier CSV"));
    assert!(page.contains("name=\"skip_bad\" value=\"1\" checked"), "the steward's choice is kept");
    assert!(!page.contains("name=\"other_version\" value=\"1\" checked"));
    // Errors by row, and what the file has that the form has not, in the reader's language.
    let mut subs = stories_of_the_field();
    subs.push(sub(
        "f9",
        "2099-01-01T00:00:00Z",
        &[
            ("participant_name", "Zed"),
            ("story_title", "Later"),
            ("story_visibility", "public"),
            ("immediate_text", "x"),
        ],
    ));
    let bad = kobo_csv(&form, &settings, &subs, false).replacen("\"_id\"", "\"couleur\"", 1);
    let page = refused(&c, &app.url(&action), &[("other_version", "1")], bad.as_bytes(), "fr").await;
    assert!(page.contains("La date de soumission 2099-01-01T00:00:00Z est dans le futur."), "{page}");
    assert!(!page.contains("is in the future"), "no English left on the page");
    assert!(page.contains("Colonnes qui ne correspondent à aucune question de ce formulaire\u{a0}: couleur"), "{page}");
    // A member sees the page without the steward's tools, and may not upload.
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (page, mcsrf) = get_page(&m, &app.url(&format!("/convenings/{cv}/field"))).await;
    assert!(!page.contains("multipart") && page.contains("stories.csv"));
    let (ctype, body) = multipart(&[], csv.as_bytes());
    let r = m
        .post(app.url(&format!("/convenings/{cv}/field/upload?csrf={}", urlencode(&mcsrf))))
        .header("content-type", &ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_command_line_writes_the_form_imports_an_export_and_writes_the_stories() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("convene.db");
    let db = db.to_str().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cv = rt.block_on(async {
        let store = convene::store::open(&db).await.unwrap();
        community_with_convening(&store, "cli").await.2
    });
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
            .args(args)
            .args(["--database-url", &db])
            .current_dir(dir.path())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let cvs = cv.to_string();
    let form = dir.path().join("form.xlsx");
    let out = run(&["xlsform", "--convening", &cvs, "--out", form.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (questions, settings) = read_form(&std::fs::read(&form).unwrap());
    let csv_path = dir.path().join("odk.csv");
    std::fs::write(&csv_path, odk_csv(&questions, &settings, &stories_of_the_field())).unwrap();
    let file = csv_path.to_str().unwrap();
    let out = run(&["import-submissions", "--convening", &cvs, file, "--dry-run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing written"));
    let out = run(&["import-submissions", "--convening", &cvs, file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 new stories"));
    let out = run(&["stories", "--convening", &cvs]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().next().unwrap(), convene::interop::stories_csv::COLUMNS.join(","));
    assert!(text.contains("Amina Diallo") && text.contains("Kofi"), "the operator sees every name");
    // A bad file: the row and the column, a failing exit, nothing written.
    std::fs::write(
        &csv_path,
        odk_csv(&questions, &settings, &stories_of_the_field()).replace("2026-03-11T09:00:00.000Z", "soon"),
    )
    .unwrap();
    let out = run(&["import-submissions", "--convening", &cvs, file]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("row 2, column SubmissionDate"), "{said}");
}

/// On a terminal, importing a file over a megabyte shows a progress bar on standard error
/// (bytes read of the file's size), cleared when the import ends; in a pipe (the test
/// above) nothing of it is written. Run under `script`, which gives the command a terminal.
#[test]
fn a_large_import_on_a_terminal_shows_a_progress_bar() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        skip("the progress bar on a terminal (needs `script`, from util-linux)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("convene.db").to_str().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cv, (questions, settings)) = rt.block_on(async {
        let store = convene::store::open(&db).await.unwrap();
        let cv = community_with_convening(&store, "bar").await.2;
        (cv, export_form(&store, cv).await)
    });
    // `Sub` holds borrowed text, as the hand-written samples do: these live to the end.
    let text: &'static str = Box::leak("We tried the method at home and it worked. ".repeat(12).into_boxed_str());
    let subs: Vec<Sub> = (0..3_000)
        .map(|i| {
            sub(
                Box::leak(format!("k{i}").into_boxed_str()),
                "2026-03-11T09:00:00Z",
                &[
                    ("participant_name", "Guest"),
                    ("story_title", "A method that travelled"),
                    ("story_visibility", "public"),
                    ("applied_text", text),
                    ("applied_kind", "realized"),
                ],
            )
        })
        .collect();
    let csv_path = dir.path().join("big.csv");
    std::fs::write(&csv_path, odk_csv(&questions, &settings, &subs)).unwrap();
    let size = std::fs::metadata(&csv_path).unwrap().len();
    assert!(size > 1024 * 1024, "the file is over a megabyte ({size} bytes)");
    let command = format!(
        "{} --database-url {db} import-submissions --convening {cv} {}",
        env!("CARGO_BIN_EXE_convene"),
        csv_path.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("3000 new stories"), "{said}");
    let total = format!("/{:.2} MiB", f64::from(u32::try_from(size).unwrap()) / (1024.0 * 1024.0));
    assert!(said.contains(&total), "a bar with the file's size ({total}) was drawn: {said:?}");
    assert!(said.contains('█') || said.contains('░') || said.contains('#'), "with its bar: {said:?}");
}
