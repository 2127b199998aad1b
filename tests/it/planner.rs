//! The planner in the web app and the API, and `convene plan` on the command line.

use crate::helpers::{community_with_convening, get_page, post_form, sign_in, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn places_are_found_by_name_whatever_the_accents_and_case() {
    let app = spawn_app().await;
    let v: Value = reqwest::get(app.url("/api/v1/places?q=sao%20paulo")).await.unwrap().json().await.unwrap();
    assert_eq!(v[0]["name"], "São Paulo");
    assert_eq!(v[0]["country"], "BR");
    let v: Value = reqwest::get(app.url("/api/v1/places?q=ouaga")).await.unwrap().json().await.unwrap();
    assert_eq!(v[0]["label"], "Ouagadougou, BF");
    let r = reqwest::get(app.url("/api/v1/places")).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "q");
}

#[tokio::test]
async fn places_are_found_in_the_members_languages_and_named_in_the_readers() {
    let app = spawn_app().await;
    let get = |q: &str| reqwest::get(app.url(&format!("/api/v1/places?q={q}")));
    let v: Value = get("Bombay").await.unwrap().json().await.unwrap();
    assert_eq!((v[0]["label"].as_str(), v[0]["matched"].as_str()), (Some("Mumbai, IN"), Some("Bombay")));
    let v: Value = get("Ciudad%20de%20M%C3%A9xico").await.unwrap().json().await.unwrap();
    assert_eq!(v[0]["label"], "Mexico City, MX");
    let v: Value = get("Abidjan,%20Costa%20do%20Marfim&lang=pt").await.unwrap().json().await.unwrap();
    assert_eq!(v[0]["label"], "Abidjan, CI");
    assert_eq!(v[0]["country_name"], "Costa do Marfim");
    assert!(v[0]["matched"].is_null(), "Abidjan is the city's own name");
    let v: Value = reqwest::Client::new()
        .get(app.url("/api/v1/places?q=Kinshasa,%20R%C3%A9publique%20d%C3%A9mocratique%20du%20Congo"))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["label"], "Kinshasa, CD");
    assert_eq!(v[0]["country_name"], "République démocratique du Congo");
}

#[tokio::test]
async fn a_member_sets_a_home_place_choosing_among_namesakes() {
    let app = spawn_app().await;
    let (_, member, _) = community_with_convening(&app.store, "home").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let (_, csrf) = get_page(&c, &app.url("/me")).await;
    let r = post_form(&c, app.url("/me"), &[("csrf", csrf.as_str()), ("home", "Kingston")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"Kingston, JM\""), "namesakes offered as choices");
    let r = post_form(&c, app.url("/me"), &[("csrf", csrf.as_str()), ("home", "Nairbi")]).await;
    assert!(r.text().await.unwrap().contains("Nairobi, KE"), "a misspelling gets the closest match");
    let r = post_form(&c, app.url("/me"), &[("csrf", csrf.as_str()), ("home", "nairobi")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.store.user(member.id).await.unwrap().unwrap().home_place, "Nairobi, KE");
}

#[tokio::test]
async fn a_steward_plans_where_to_meet_saves_it_and_adopts_the_host() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "plan").await;
    app.store.set_home_place(member.id, "Nairobi, KE").await.unwrap();
    app.store.set_home_place(steward.id, "Lagos, NG").await.unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    assert!(form.contains("Moussa Member; Nairobi, KE"), "participants' home places are prefilled");
    // A bad line comes back with its number, the closest places, and the text as typed.
    let people = "Moussa Member; Nairobi, KE\nStella Steward; Lagos, NG\nJohn; Kampalq\n";
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[("csrf", csrf.as_str()), ("people", people), ("k", "1"), ("objective", "total-cost")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Line 3") && body.contains("Kampala, UG") && body.contains("John; Kampalq"), "{body}");
    let people = "Moussa Member; Nairobi, KE\nStella Steward; Lagos, NG\nJohn; Kampala; 2\nCharles; -1.95, 30.06\n";
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[
            ("csrf", csrf.as_str()),
            ("people", people),
            ("k", "2"),
            ("objective", "total-cost"),
            ("candidates", "cities"),
            ("min_population", "500000"),
            ("exclude", "UG, Lagos"),
            ("name", "East and West"),
        ],
    )
    .await;
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303);
    let plan_url = r.headers()["location"].to_str().unwrap().to_string();
    let page = s.get(app.url(&plan_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("East and West") && page.contains("Regional gatherings") && page.contains("Virtual"));
    let plans = app.store.plans(id).await.unwrap();
    assert_eq!(plans.len(), 1);
    let result: Value = serde_json::from_str(&plans[0].result).unwrap();
    let one = &result["comparison"]["one"];
    assert_eq!(one["assignments"].as_array().unwrap().len(), 4);
    assert!(one["lower_bound"].as_f64().unwrap() <= one["value"].as_f64().unwrap() + 1e-6);
    assert_eq!(result["comparison"]["regional"]["hosts"].as_array().unwrap().len(), 2);
    for plan in [&result["comparison"]["one"], &result["comparison"]["regional"]] {
        for h in plan["hosts"].as_array().unwrap() {
            assert!(h["country"] != "UG" && h["name"] != "Lagos", "excluded host chosen: {h}");
        }
    }
    // The CSV budget has a header and one row per line of people.
    let csv = s.get(app.url(&format!("{plan_url}/budget.csv"))).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // Each row names the place as resolved (the web once left the column empty).
    let john = csv.lines().find(|l| l.starts_with("John,")).unwrap();
    assert!(john.starts_with("John,\"Kampala, UG\",2,"), "{john}");
    assert!(csv.lines().any(|l| l.starts_with("Charles,") && l.contains("-1.95, 30.06")), "{csv}");
    // What was asked is saved as the planner's request, with its defaults.
    let params: Value = serde_json::from_str(&plans[0].params).unwrap();
    assert_eq!(params["travellers"][2]["place"], "Kampala, UG");
    assert_eq!(params["min_population"], 500_000);
    assert_eq!(params["merge_km"], convene::planner::DEFAULT_MERGE_KM);
    assert_eq!(params["exclude"], serde_json::json!(["UG", "Lagos"]));
    // The map is well-formed SVG with one marker per host.
    let svg =
        s.get(app.url(&format!("{plan_url}/map.svg?scenario=regional"))).send().await.unwrap().text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let mut hosts = 0;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.attributes().flatten().any(|a| a.key.as_ref() == b"class" && a.value.as_ref() == b"host") =>
            {
                hosts += 1;
            }
            _ => {}
        }
    }
    assert_eq!(hosts, 2);
    // Adopting the one-gathering host sets the convening's place.
    let host =
        one["hosts"][0]["name"].as_str().unwrap().to_string() + ", " + one["hosts"][0]["country"].as_str().unwrap();
    let r =
        post_form(&s, app.url(&format!("{plan_url}/adopt")), &[("csrf", csrf.as_str()), ("host", host.as_str())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.store.convening(id).await.unwrap().unwrap().place, host);
    // Members may not see where everyone lives.
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    assert_eq!(m.get(app.url(&plan_url)).send().await.unwrap().status(), 403);
    assert_eq!(m.get(app.url(&format!("{plan_url}/budget.csv"))).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_web_form_refuses_a_weight_of_zero_and_defaults_like_the_command_line() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "zero").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    let default = convene::planner::DEFAULT_MIN_POPULATION.to_string();
    assert!(form.contains(&format!("name=\"min_population\" value=\"{default}\"")), "the planner's default is offered");
    let people = "Amina; Nairobi\nKofi; Accra; 0\n";
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[("csrf", csrf.as_str()), ("people", people), ("k", "1"), ("min_population", "")],
    )
    .await;
    assert_eq!(r.status(), 422, "a weight of 0 is not quietly turned into 1");
    let body = r.text().await.unwrap();
    assert!(body.contains("Line 2: the number of people must be 1 or more."), "{body}");
    // An empty smallest-city field takes the planner's default, as the command line does.
    let people = "Amina; Nairobi\nKofi; Accra; 2\n";
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[("csrf", csrf.as_str()), ("people", people), ("k", "1"), ("min_population", "")],
    )
    .await;
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303);
    let params: Value = serde_json::from_str(&app.store.plans(id).await.unwrap()[0].params).unwrap();
    assert_eq!(params["min_population"], convene::planner::DEFAULT_MIN_POPULATION);
    // The planner's refusals are said in the reader's language, not in command-line English.
    let r = s
        .post(app.url(&format!("/convenings/{id}/plan")))
        .header("accept-language", "fr")
        .form(&[("csrf", csrf.as_str()), ("people", people), ("k", "3")])
        .send()
        .await
        .unwrap();
    let r = crate::helpers::finish_plan(&s, &app, r, "fr").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("2 lieux distincts seulement"), "{body}");
    assert!(!body.contains("--k") && !body.contains("--min-population"), "{body}");
}

#[tokio::test]
async fn a_plan_page_names_unused_known_fares_and_host_countries_in_the_readers_language() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "fares").await;
    let c = app.store.community("fares").await.unwrap().unwrap();
    let mut model = convene::planner::TravelModel::default();
    model.known_fares.push(convene::planner::KnownFare { member: "Nobody".into(), host: "Lagos".into(), fare: 475.0 });
    app.store.set_travel_model(c.id, &serde_json::to_string(&model).unwrap()).await.unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    let people = "Amina; Abidjan\nKofi; Abidjan; 2\n";
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[("csrf", csrf.as_str()), ("people", people), ("k", "1")],
    )
    .await;
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303);
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let page = s.get(app.url(&url)).header("accept-language", "pt").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("nenhum participante se chama Nobody"), "{page}");
    assert!(page.contains("Abidjan, Costa do Marfim"), "{page}");
}

#[tokio::test]
async fn a_plan_saved_with_the_old_web_form_parameters_still_opens() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "old").await;
    // Exactly what the web form stored before the planner had one request type.
    let old = r#"{"people":[{"name":"Amina","place":"Nairobi, KE","lat":-1.28333,"lon":36.81667,"weight":1},{"name":"Kofi","place":"Accra, GH","lat":5.55602,"lon":-0.1969,"weight":2}],"objective":"total-cost","k":1,"candidates":"cities","min_population":1000000}"#;
    let request: convene::planner::PlanRequest = serde_json::from_str(old).unwrap();
    let answer = convene::planner::plan(&request, &mut |_| {}).unwrap();
    let result = serde_json::to_string(&answer).unwrap();
    let saved = app.store.save_plan(id, "Saved long ago", old, &result, Some(steward.id)).await.unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let r = s.get(app.url(&format!("/plans/{}", saved.id))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Saved long ago") && page.contains("2 lines"), "{page}");
    let csv = s.get(app.url(&format!("/plans/{}/budget.csv", saved.id))).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 3);
    // An export gives the plan's parameters as the planner's request.
    let doc = convene::interop::json::export(app.store.as_ref(), "old").await.unwrap();
    assert_eq!(doc.plans[0].params, request);
    let params = serde_json::to_value(&doc.plans[0].params).unwrap();
    assert_eq!(params["travellers"][1]["place"], "Accra, GH");
    assert_eq!(params["merge_km"], convene::planner::DEFAULT_MERGE_KM);
}

#[tokio::test]
async fn a_community_sets_its_own_travel_model_and_bad_json_is_refused() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "model").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (page, csrf) = get_page(&s, &app.url("/c/model/travel-model")).await;
    assert!(page.contains("ground_max_km"));
    let r =
        post_form(&s, app.url("/c/model/travel-model"), &[("csrf", csrf.as_str()), ("text", "{\"ground_max_km\": -5")])
            .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ground_max_km&#34;: -5"), "the steward's text comes back");
    // A refused constant is explained in the reader's language.
    let r = s
        .post(app.url("/c/model/travel-model"))
        .header("accept-language", "fr")
        .form(&[("csrf", csrf.as_str()), ("text", "{\"air_speed_kmh\": 0}")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("air_speed_kmh doit être supérieur à 0."), "{body}");
    let mut model: Value = serde_json::to_value(convene::planner::TravelModel::default()).unwrap();
    model["virtual_cost_per_person"] = 40.0.into();
    let r = post_form(
        &s,
        app.url("/c/model/travel-model"),
        &[("csrf", csrf.as_str()), ("text", model.to_string().as_str())],
    )
    .await;
    assert_eq!(r.status(), 200);
    let c = app.store.community("model").await.unwrap().unwrap();
    let saved: Value = serde_json::from_str(&app.store.travel_model(c.id).await.unwrap()).unwrap();
    assert_eq!(saved["virtual_cost_per_person"], 40.0);
}

#[test]
fn convene_plan_prints_the_documented_json_and_names_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("people.csv"),
        "name,place,weight\nJohn,Nairobi,1\nCharles,Lagos,3\nAmina,\"Dakar, SN\",1\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
        .current_dir(dir.path())
        .args(["plan", "--participants", "people.csv", "--k", "2", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["objective", "value", "k", "hosts", "lower_bound", "gap", "assignments", "totals"] {
        assert!(!v[key].is_null(), "{key} missing");
    }
    assert_eq!(v["hosts"].as_array().unwrap().len(), 2);
    let a = &v["assignments"][0];
    for key in ["name", "host", "km", "cost", "co2_kg", "hours"] {
        assert!(!a[key].is_null(), "assignment {key} missing");
    }
    assert!(v["lower_bound"].as_f64().unwrap() <= v["value"].as_f64().unwrap() + 1e-6);
    std::fs::write(dir.path().join("bad.csv"), "name,place\nJohn,Nairobbi\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
        .current_dir(dir.path())
        .args(["plan", "--participants", "bad.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 2") || err.contains("line 2"), "{err}");
    assert!(err.contains("Nairobi"), "{err}");
    assert!(out.stdout.is_empty(), "nothing half-written");
}

/// Two members a $475 ticket apart (Nairobi and Dakar, one with two passports) and twenty colleagues across the region.
fn regional_people() -> String {
    let colleagues = [
        "Kampala",
        "Kigali",
        "Dar es Salaam",
        "Addis Ababa",
        "Lusaka",
        "Harare",
        "Accra",
        "Lagos",
        "Abidjan",
        "Bamako",
        "Ouagadougou",
        "Cotonou",
        "Lomé",
        "Kinshasa",
        "Douala",
        "Windhoek",
        "Maputo",
        "Lilongwe",
        "Kisumu",
        "Mombasa",
    ];
    let lines: Vec<String> =
        colleagues.iter().enumerate().map(|(i, place)| format!("Colleague {i}; {place}")).collect();
    format!("Amina; Nairobi, KE\nMoussa; Dakar, SN; 1; SN|FR\n{}\n", lines.join("\n"))
}

#[tokio::test]
async fn a_pinned_host_we_do_not_know_is_named_in_the_readers_language() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "pins").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    let people = regional_people();
    // A pinned host the gazetteer does not know comes back on the form, in French.
    let r = s
        .post(app.url(&format!("/convenings/{id}/plan")))
        .header("accept-language", "fr")
        .form(&[("csrf", csrf.as_str()), ("people", people.as_str()), ("k", "1"), ("pin", "Kampalq")])
        .send()
        .await
        .unwrap();
    let r = crate::helpers::finish_plan(&s, &app, r, "fr").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("hôte «\u{a0}Kampalq\u{a0}»") && body.contains("Kampala, UG"), "{body}");
}

/// The issue's "done when": two members a $475 ticket apart and twenty colleagues across
/// the region; the steward sees who needs which visa (and the data's date), why the hosts
/// win, when a virtual call suits everyone, the hybrid frontier and whom $5,000 brings —
/// in French, numbers written the French way.
#[tokio::test]
#[allow(clippy::too_many_lines)] // one journey through every second-stage section
async fn a_steward_sees_visas_slots_the_frontier_and_a_budget_in_their_language() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "region").await;
    let c = app.store.community("region").await.unwrap().unwrap();
    let mut model = convene::planner::TravelModel::default();
    model.known_fares.push(convene::planner::KnownFare {
        member: "Moussa".into(),
        host: "Nairobi".into(),
        fare: 475.0,
    });
    app.store.set_travel_model(c.id, &serde_json::to_string(&model).unwrap()).await.unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    assert!(form.contains("value=\"reachable\" checked"), "hosts people can reach are the default");
    let people = regional_people();
    // A passport the visa data does not know is named on its line, the text kept.
    let bad = format!("{people}Zed; Accra; 1; QQ\n");
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[("csrf", csrf.as_str()), ("people", bad.as_str()), ("k", "1")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Line 23") && body.contains("QQ") && body.contains("Zed; Accra; 1; QQ"), "{body}");
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[
            ("csrf", csrf.as_str()),
            ("people", people.as_str()),
            ("k", "3"),
            ("candidates", "reachable"),
            ("visa_policy", "no-refusal"),
            ("slot_hours", "2"),
            ("slot_on", "2025-06-10"),
            ("slot_window", "08:00-20:00"),
            ("hybrid", "on"),
            ("budget", "5000"),
            ("spread", "region"),
            ("linked_k", "3"),
            ("overlap_hours", "3"),
            ("max_per_hub", "10"),
        ],
    )
    .await;
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let page = s.get(app.url(&url)).header("accept-language", "fr").send().await.unwrap().text().await.unwrap();
    for text in [
        "Pourquoi ces hôtes",
        "Passport Index dataset",
        "12 janv. 2025",
        "Quand une réunion virtuelle convient à tout le monde",
        "Se réunir en personne ou participer en ligne",
        "class=\"chart\"",
        "Qui nous pouvons faire venir",
        "Avec 5\u{202f}000 USD",
        "Pôles reliés",
        "3 pôles reliés coûtent",
        "Écart de fuseaux horaires au sein de chaque rencontre régionale",
    ] {
        assert!(page.contains(text), "missing {text:?} in {page}");
    }
    assert!(page.contains("écart garanti") || page.contains("prouvé le meilleur possible"), "the gap in plain words");
    // What was computed is saved with the plan: visas per person, slots, frontier and budget.
    let result: Value = serde_json::from_str(&app.store.plans(id).await.unwrap()[0].result).unwrap();
    assert_eq!(result["visa_data"], "2025-01-12");
    let one = &result["comparison"]["one"];
    let moussa = one["assignments"].as_array().unwrap().iter().find(|a| a["name"] == "Moussa").unwrap();
    assert!(moussa["visa"]["requirement"].is_string(), "{moussa}");
    assert!(result["slots"][0]["inside_window"].as_u64().unwrap() >= 20, "{}", result["slots"][0]);
    assert!(result["frontier"].as_array().unwrap().iter().any(|p| p["k"] == 5));
    assert_eq!(result["tz_spread_hours"].as_array().unwrap().len(), 3, "one spread per regional host");
    let linked = &result["linked"];
    assert!(linked["people"].as_array().unwrap().iter().all(|p| p.as_u64().unwrap() <= 10), "{linked}");
    assert!(linked["lower_bound"].as_f64().unwrap() <= linked["value"].as_f64().unwrap() + 1e-6);
    let budget = &result["budget"];
    assert!(budget["brought"].as_u64().unwrap() >= 5 && budget["cost"].as_f64().unwrap() <= 5000.0, "{budget}");
    // The map is zoomed to the region and has a legend in the reader's language.
    let svg = s.get(app.url(&format!("{url}/map.svg"))).header("accept-language", "fr").send().await.unwrap();
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("où vivent les membres") && !svg.contains("viewBox=\"0 0 "), "{}", &svg[..300]);
    // The steward keeps one point of the frontier (k = 2, the fewest in person) as a plan of its own.
    let point = result["frontier"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["k"] == 2)
        .min_by_key(|p| p["in_person"].as_u64().unwrap())
        .unwrap()
        .clone();
    let value = format!("2:{}", point["in_person"]);
    assert!(page.contains(&format!("<option value=\"{value}\">")), "the page offers every point");
    let hybrid = format!("{url}/hybrid");
    // Not without the form's token, not for a member, not for a point that is not on the frontier.
    let r = post_form(&s, app.url(&hybrid), &[("point", value.as_str())]).await;
    assert_eq!(r.status(), 403);
    let r = post_form(&s, app.url(&hybrid), &[("csrf", csrf.as_str()), ("point", "2:100000")]).await;
    assert_eq!(r.status(), 422);
    let r = post_form(&s, app.url(&hybrid), &[("csrf", csrf.as_str()), ("point", value.as_str())]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let saved = r.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(saved, url);
    let page = s.get(app.url(&saved)).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Este encuentro híbrido") && page.contains("En línea"), "{page}");
    let in_person = point["in_person"].as_u64().unwrap();
    assert!(page.contains(&format!("{in_person} personas se reúnen en persona")), "{page}");
    let plans = app.store.plans(id).await.unwrap();
    let kept = plans.iter().find(|p| saved.ends_with(&format!("/{}", p.id))).unwrap();
    let choice: Value = serde_json::from_str(&kept.result).unwrap();
    let choice = &choice["hybrid_choice"];
    assert_eq!((choice["k"].as_u64(), choice["in_person"].as_u64()), (Some(2), Some(in_person)));
    assert!((choice["cost"].as_f64().unwrap() - point["cost"].as_f64().unwrap()).abs() < 0.01, "{choice}");
    let params: Value = serde_json::from_str(&kept.params).unwrap();
    assert_eq!(params["hybrid_point"]["in_person"].as_u64(), Some(in_person));
}

/// A multipart body with text fields and one file, as a browser sends the planner form.
fn multipart(fields: &[(&str, &str)], file: (&str, &str)) -> (String, String) {
    use std::fmt::Write;
    let boundary = "convene-test-boundary-7f3a";
    let mut body = String::new();
    for (name, value) in fields {
        let _ = write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
    }
    let _ = write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"fares.csv\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn quoted_fares_are_uploaded_with_the_form_bad_rows_named_and_nothing_typed_lost() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "quotes").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("name=\"fares_file\""), "{form}");
    let people = "Amina; Nairobi, KE\nKofi; Accra, GH; 2\nAwa; Dakar, SN\n";
    let bad = "from_iata,to_iata,price,currency,quoted_on\nNBO,QQZ,300,USD,2025-01-10\nNBO,ACC,cheap,USD,\nNBO,DKR,200,EUR,\n";
    let url = app.url(&format!("/convenings/{id}/plan?csrf={csrf}"));
    let (kind, body) = multipart(&[("people", people), ("k", "1")], ("fares_file", bad));
    let r = s.post(url.clone()).header("content-type", kind).body(body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for text in ["Fares, row 2", "QQZ", "Fares, row 3", "cheap", "Fares, row 4", "EUR"] {
        assert!(page.contains(text), "missing {text:?} in {page}");
    }
    // What was typed and what the file held both come back, so nothing is lost.
    assert!(page.contains("Kofi; Accra, GH; 2") && page.contains("NBO,DKR,200,EUR,"), "{page}");
    // Without the form's token (in the action's query for a file upload), refused.
    let (kind, body) = multipart(&[("people", people), ("k", "1")], ("fares_file", "from_iata,to_iata,price\n"));
    let r = s
        .post(app.url(&format!("/convenings/{id}/plan")))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A member may not plan.
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (_, member_csrf) = get_page(&m, &app.url("/me")).await;
    let (kind, body) = multipart(&[("people", people), ("k", "1")], ("fares_file", ""));
    let r = m
        .post(app.url(&format!("/convenings/{id}/plan?csrf={member_csrf}")))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A good quote, uploaded: the plan uses it and says which costs are quotes.
    let good = "from_iata,to_iata,price,currency,quoted_on\nNBO,ACC,120,USD,2025-01-10\n";
    let (kind, body) =
        multipart(&[("people", people), ("k", "1"), ("pin", "Accra, GH"), ("fares", "")], ("fares_file", good));
    let r = s.post(url).header("content-type", kind).body(body).send().await.unwrap();
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let saved = &app.store.plans(id).await.unwrap()[0];
    let params: Value = serde_json::from_str(&saved.params).unwrap();
    assert_eq!(params["model"]["quoted_fares"][0]["price"], 120.0);
    let result: Value = serde_json::from_str(&saved.result).unwrap();
    let quoted = result["comparison"]["one"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["trip"]["known_fare"] == true && a["trip"]["air_cost"] == 120.0);
    assert!(quoted, "{}", result["comparison"]["one"]["assignments"]);
}
